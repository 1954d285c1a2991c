#pragma once

// Entry points that turn a user's model definition text into a ModelSpec.
// Torch-free: the REST API validates model code with these alone.

#include "common/error.h"
#include "ml/spec/model_spec.h"

#include <nlohmann/json_fwd.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::ml {

//! A definition the user must fix. `what()` is the full user-facing message,
//! "line L, column C: <what was wrong and what was expected>"; `location` and
//! `reason` hold its parts for UIs that mark the line.
class ModelDefinitionError : public UserError {
public:
	ModelDefinitionError(SourceLocation location, std::string reason);
	SourceLocation location;
	std::string reason;
};

//! Parses any accepted form, chosen by content: Keras-subset Python code,
//! Keras' `model.to_json()` JSON, or the plain JSON spec. Fills every
//! default and checks shapes (each layer gets a valid input).
//! Throws ModelDefinitionError. Thread: any; no shared state.
ModelSpec parse_model_definition(std::string_view text);

//! The error for a model that needs its pretrained weights file
//! (`spec.pretrained` set) where none was given: the reason (nothing is
//! downloaded here), the file Keras would use, and the ways to upload it.
//! Thread: any.
ModelDefinitionError missing_weights_error(const ModelSpec &spec);

//! Most parameters a model may have: a billion float32 weights are 4 GB,
//! and training (gradients, optimizer state) takes about four times that.
inline constexpr int64_t kMaxModelParameters = 1'000'000'000;

//! Refuses a model with more than kMaxModelParameters parameters (a typo of
//! a few zeros would otherwise exhaust the memory of whatever trains it).
//! parse_model_definition() calls it. Throws ModelDefinitionError.
void check_model_size(const ModelSpec &spec);

//! Completes a model whose input shape comes from the training stream
//! (`spec.input_bound()` false): sets each input's shape (batch excluded,
//! one per ModelSpec::inputs), and for a chain the first layer's
//! input_shape, then checks every layer's shape as parse_model_definition()
//! does. A bound model is accepted when the shapes are equal. Throws
//! ModelDefinitionError (with the layer's location) when they cannot flow.
//! Thread: any; no shared state.
//! A definition's shape may also leave dimensions to the stream: a None
//! (-1), such as a sequence's length in keras.Input(shape=(None, 8)), takes
//! the stream's value there when the record shape has the same rank, or,
//! for a flat record (its width alone) and one None, the width divided by
//! the known dimensions. Anything else is an error saying what to write.
void bind_input_shape(ModelSpec &spec, const std::vector<Shape> &shapes);

//! True when every input's shape is known in full: no input waits for the
//! stream's shape, wholly (input_bound() false) or in a None dimension.
//! The engine can build only such a model; the others go through
//! bind_input_shape() with the stream's record shape first.
bool input_shape_complete(const ModelSpec &spec);

//! The compile() of a model that comes with its own network (a TorchScript
//! upload): the arguments of Keras' model.compile() as users write them,
//! e.g. "optimizer='adam', loss='sparse_categorical_crossentropy',
//! metrics=['accuracy']", or the whole "model.compile(...)" line. A loss is
//! required. Errors name line and column within `text`.
//! Throws ModelDefinitionError. Thread: any; no shared state.
CompileSpec parse_compile_arguments(std::string_view text);

//! The original's fit/evaluate kwargs string, e.g.
//! "epochs=5, steps_per_epoch=1000, shuffle=True", or a JSON object text.
//! Throws ModelDefinitionError naming the column of the bad argument.
//! The one parser of these arguments: the API checks a deployment's with
//! it, the CLI checks `--kwargs-fit` with it, and the training job reads
//! them with it, so what was accepted once is never refused later.
FitOptions parse_fit_kwargs(std::string_view text);
FitOptions fit_options_from_json(const nlohmann::json &object);

//! FitOptions as the JSON object the API stores in `kwargs_*_parsed`: the
//! arguments as they will be used, defaults filled in.
nlohmann::json fit_options_to_json(const FitOptions &options);

} // namespace kafkaml::ml
