#include "ml/spec/diagnostic.h"
#include "ml/spec/layer_kinds.h"

#include <gtest/gtest.h>

namespace kafkaml::ml {
namespace {

std::string diagnostic_of(const std::string &text) {
	try {
		parse_model_definition(text);
	} catch (const ModelDefinitionError &error) {
		return format_diagnostic("model.py", text, error);
	}
	return "no error";
}

TEST(Diagnostic, NamesFileLineColumnAndMarksTheSpot) {
	EXPECT_EQ(diagnostic_of("model = tf.keras.Sequential([\n    tf.keras.layers.Dense2(4, input_shape=(3,)),\n])\n"),
	          "model.py:2:21: unknown layer 'Dense2'; expected one of " + supported_layer_names() + "\n" +
	              "    tf.keras.layers.Dense2(4, input_shape=(3,)),\n"
	              "                    ^\n");
	// Columns count characters (é is one); tabs are kept so the caret lines up.
	EXPECT_EQ(diagnostic_of("model = Sequential([\r\n\tDense(4, name='é', input_shape=3)])"),
	          "model.py:2:33: argument 'input_shape' of Dense must be a tuple of dimensions such as (28, 28, 1), not "
	          "the integer 3 (write (3,) for one dimension)\n"
	          "\tDense(4, name='é', input_shape=3)])\n"
	          "\t                               ^\n");
	EXPECT_EQ(format_diagnostic("spec.json", "{}", ModelDefinitionError({}, "no layers")), "spec.json: no layers\n");
}

} // namespace
} // namespace kafkaml::ml
