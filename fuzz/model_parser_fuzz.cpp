// Fuzzes every entry point of the model-definition parser: any input must
// end in a ModelSpec or a ModelDefinitionError (no other exception, no
// crash, no hang), and a spec that parses must summarise without error.
// fuzz-libs: kafkaml_ml_spec

#include "ml/spec/diagnostic.h"
#include "ml/spec/parse.h"
#include "ml/spec/summary.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string_view text(reinterpret_cast<const char *>(data), size);
	try {
		kafkaml::ml::ModelSpec spec = kafkaml::ml::parse_model_definition(text);
		// parse_model_definition() checked the shapes, so this must not throw.
		std::string table = kafkaml::ml::format_summary(kafkaml::ml::summarize(spec));
		if (table.empty()) {
			__builtin_trap();
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
