#pragma once

// Checks run on user text before it is stored (the model checks of
// create_model, update_model and upload_module, the input check of
// create_inference), injected by the server so that the use cases need no
// model parser or codecs of their own.

#include "common/error.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kafkaml::operations {

//! A definition the user must fix; line and column are 1-based (0: unknown).
class ValidationError : public UserError {
public:
	ValidationError(int line_, int column_, const std::string &message)
	    : UserError(message), line(line_), column(column_) {}
	int line;
	int column;
};

//! Validates model code (Keras subset, Keras JSON, ...); throws ValidationError.
using ModelValidator = std::function<void(std::string_view code)>;

//! Validates the compile() arguments of a model that brings its own network
//! (framework "pytorch"): "loss='mse', optimizer='adam'"; throws
//! ValidationError.
using CompileValidator = std::function<void(std::string_view arguments)>;

//! Validates an uploaded TorchScript module (torch.jit.save bytes); throws
//! ValidationError (line and column 0) saying what is wrong.
using ModuleValidator = std::function<void(std::string_view bytes)>;

//! Whether a Keras model's code takes an uploaded weights file (a
//! keras.applications base built with weights='imagenet' or
//! weights='<file>.h5'): the message saying which file to upload and how,
//! or nullopt when it takes none. Throws ValidationError for invalid code.
using WeightsRequirement = std::function<std::optional<std::string>(std::string_view code)>;

//! Checks an inference's input_format ("RAW", "AVRO" or "JSON", upper case)
//! and input_config can decode messages; throws ValidationError (line and
//! column 0) saying what is missing or wrong.
using InputValidator = std::function<void(std::string_view format, const nlohmann::json &config)>;

} // namespace kafkaml::operations
