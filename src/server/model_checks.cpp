#include "server/model_checks.h"

#include "formats/format_error.h"
#include "formats/message_decoder.h"
#include "ml/spec/parse.h"
#ifdef KAFKAML_HAS_ML_ENGINE // set by kafkaml_ml; absent when built without libtorch
#include "ml/engine_support.h"
#include "ml/model.h"
#endif

namespace kafkaml::server {

operations::ModelValidator model_validator() {
	return [](std::string_view code) {
		ml::ModelSpec spec;
		try {
			spec = ml::parse_model_definition(code);
		} catch (const ml::ModelDefinitionError &e) {
			throw operations::ValidationError(e.location.line, e.location.column, e.what());
		}
#ifdef KAFKAML_HAS_ML_ENGINE
		// Refused now rather than by the training job later.
		if (auto gaps = ml::engine_gaps(spec); !gaps.empty()) {
			throw operations::ValidationError(gaps.front().location.line, gaps.front().location.column,
			                                  ml::describe_gaps(gaps));
		}
#endif
	};
}

operations::WeightsRequirement weights_requirement() {
	return [](std::string_view code) -> std::optional<std::string> {
		ml::ModelSpec spec;
		try {
			spec = ml::parse_model_definition(code);
		} catch (const ml::ModelDefinitionError &e) {
			throw operations::ValidationError(e.location.line, e.location.column, e.what());
		}
		if (!spec.pretrained) {
			return std::nullopt;
		}
		return std::string(ml::missing_weights_error(spec).what());
	};
}

operations::CompileValidator compile_validator() {
#ifdef KAFKAML_HAS_ML_ENGINE
	return [](std::string_view arguments) {
		ml::ModelSpec only_compile;
		try {
			only_compile.compile = ml::parse_compile_arguments(arguments);
		} catch (const ml::ModelDefinitionError &e) {
			throw operations::ValidationError(e.location.line, e.location.column, e.what());
		}
		if (auto gaps = ml::engine_gaps(only_compile); !gaps.empty()) {
			throw operations::ValidationError(gaps.front().location.line, gaps.front().location.column,
			                                  ml::describe_gaps(gaps));
		}
	};
#else
	return {};
#endif
}

operations::ModuleValidator module_validator() {
#ifdef KAFKAML_HAS_ML_ENGINE
	return [](std::string_view bytes) {
		try {
			ml::Model::check_torchscript(bytes);
		} catch (const std::invalid_argument &e) {
			throw operations::ValidationError(0, 0, e.what());
		}
	};
#else
	return {};
#endif
}

operations::InputValidator input_validator() {
	return [](std::string_view format, const nlohmann::json &config) {
		try {
			formats::MessageDecoder::from_config(format, config);
		} catch (const formats::FormatError &e) {
			throw operations::ValidationError(0, 0, e.what());
		} catch (const nlohmann::json::exception &e) {
			throw operations::ValidationError(0, 0, std::string("a schema in it is not valid JSON: ") + e.what());
		}
	};
}

} // namespace kafkaml::server
