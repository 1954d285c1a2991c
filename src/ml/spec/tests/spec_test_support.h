#pragma once

// Helpers shared by the model-definition tests.

#include "ml/spec/parse.h"

#include <gtest/gtest.h>

#include <string_view>

namespace kafkaml::ml {

//! Parses `text` expecting a ModelDefinitionError; returns it (an empty one,
//! and a test failure, when the text parses).
inline ModelDefinitionError definition_error(std::string_view text) {
	try {
		parse_model_definition(text);
	} catch (const ModelDefinitionError &error) {
		return error;
	}
	ADD_FAILURE() << "no error for:\n" << text;
	return ModelDefinitionError({}, "");
}

} // namespace kafkaml::ml
