// Fuzzes every entry point of the model-definition front end: the lexer,
// the Python parser and the bounded evaluator, the JSON forms and fit
// kwargs. Any input must end in a ModelSpec or a ModelDefinitionError (no
// other exception, no crash, no hang, no stack overflow); a spec that
// parses must summarise and report without error, and a spec whose input
// shape comes from the stream must bind one or refuse it cleanly.
// fuzz-libs: kafkaml_ml_spec

#include "ml/spec/diagnostic.h"
#include "ml/spec/model_report.h"
#include "ml/spec/parse.h"
#include "ml/spec/summary.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string_view text(reinterpret_cast<const char *>(data), size);
	try {
		kafkaml::ml::ModelSpec spec = kafkaml::ml::parse_model_definition(text);
		// parse_model_definition() checked the shapes, so these must not throw.
		std::string table = kafkaml::ml::format_summary(kafkaml::ml::summarize(spec));
		std::string report = kafkaml::ml::format_model_check(spec);
		if (table.empty() || report.empty() || spec.layers.empty() || spec.nodes.empty() || spec.outputs.empty()) {
			__builtin_trap();
		}
		if (!spec.input_bound()) {
			std::vector<kafkaml::ml::Shape> shapes(spec.inputs.size(),
			                                       kafkaml::ml::Shape{static_cast<int64_t>(size % 7 + 1)});
			try {
				kafkaml::ml::bind_input_shape(spec, shapes);
				(void)kafkaml::ml::format_model_check(spec);
			} catch (const kafkaml::ml::ModelDefinitionError &) {
			}
		}
	} catch (const kafkaml::ml::ModelDefinitionError &error) {
		(void)kafkaml::ml::format_diagnostic("fuzz", text, error);
	}
	try {
		(void)kafkaml::ml::parse_fit_kwargs(text);
	} catch (const kafkaml::ml::ModelDefinitionError &) {
	}
	return 0;
}
