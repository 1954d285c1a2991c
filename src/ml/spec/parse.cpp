#include "ml/spec/parse.h"

#include "ml/spec/eval_bounds.h"
#include "ml/spec/json_model.h"
#include "ml/spec/keras_objects.h"
#include "ml/spec/layer_shapes.h"
#include "ml/spec/python_model.h"
#include "ml/spec/summary.h"
#include "ml/spec/syntax.h"

#include <algorithm>

namespace kafkaml::ml {

namespace {

std::string full_message(SourceLocation location, const std::string &reason) {
	if (location.line <= 0) {
		return reason;
	}
	return "line " + std::to_string(location.line) + ", column " + std::to_string(location.column) + ": " + reason;
}

} // namespace

ModelDefinitionError::ModelDefinitionError(SourceLocation where, std::string why)
    : UserError(full_message(where, why)), location(where), reason(std::move(why)) {}

ModelSpec parse_model_definition(std::string_view text) {
	if (text.size() > spec::kMaxTextBytes) {
		throw ModelDefinitionError({},
		                           "the model definition is larger than 1 MiB; a definition is a few lines of code");
	}
	if (text.substr(0, 3) == "\xEF\xBB\xBF") {
		text.remove_prefix(3); // UTF-8 byte-order mark some editors write
	}
	size_t start = text.find_first_not_of(" \t\r\n");
	if (start == std::string_view::npos) {
		throw ModelDefinitionError({1, 1}, "the model definition is empty; expected e.g. "
		                                   "model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])");
	}
	ModelSpec spec =
	    text[start] == '{' ? spec::model_from_json(spec::parse_json(text)) : spec::parse_python_model(text);
	check_model_size(spec);
	return spec;
}

ModelDefinitionError missing_weights_error(const ModelSpec &spec) {
	const PretrainedSpec &p = *spec.pretrained;
	std::string written = p.weights_given ? "weights='" + p.weights + "'" : "Keras' default weights='imagenet'";
	std::string source = p.weights == "imagenet" ? "the file Keras would download for this call, " + p.keras_file
	                                             : "'" + p.weights + "'";
	return ModelDefinitionError(
	    p.location, p.application + ": " + written +
	                    " needs its weights file uploaded with the model, since nothing can be downloaded here: "
	                    "upload " +
	                    source +
	                    " (a Keras HDF5 weights file; model.save_weights('x.h5') writes one) with `kafkaml models "
	                    "weights ID FILE`, `kafkaml models create ... --weights FILE` or PUT /api/v1/models/{id}/"
	                    "weights; check it locally with `kafkaml model check DEFINITION --weights FILE`. Or pass "
	                    "weights=None to train the architecture from scratch");
}

void check_model_size(const ModelSpec &spec) {
	auto parameters = summarize(spec).total_params;
	if (parameters > kMaxModelParameters) {
		throw ModelDefinitionError(
		    {}, "the model has " + std::to_string(parameters) + " parameters, more than the " +
		            std::to_string(kMaxModelParameters) +
		            " a model may have here (4 GB of weights; training needs about four times that in memory); "
		            "make its layers smaller");
	}
}

CompileSpec parse_compile_arguments(std::string_view text) {
	auto first = text.find_first_not_of(" \t\r\n");
	auto last = text.find_last_not_of(" \t\r\n");
	std::string_view arguments =
	    first == std::string_view::npos ? std::string_view() : text.substr(first, last - first + 1);
	// "model.compile(...)" as a whole: its arguments.
	if (auto open = arguments.find(".compile(");
	    open != std::string_view::npos && arguments.ends_with(")") &&
	    arguments.substr(0, open).find_first_of("()=") == std::string_view::npos) {
		arguments = arguments.substr(open + 9, arguments.size() - open - 10);
	}
	if (arguments.empty()) {
		throw ModelDefinitionError({1, 1}, "the compile arguments are empty; give at least the loss, e.g. "
		                                   "loss='sparse_categorical_crossentropy', optimizer='adam', "
		                                   "metrics=['accuracy']");
	}
	// Evaluated as the compile() of a stand-in model, so that every form
	// model code accepts (optimizer objects, schedules, loss classes) is
	// accepted here too; errors are moved back to the user's text.
	constexpr int kLinesBefore = 2;
	const std::string call = "model.compile(";
	std::string program = "from tensorflow import keras\n"
	                      "model = keras.Sequential([keras.layers.Dense(1, input_shape=(1,))])\n" +
	                      call + std::string(arguments) + ")\n";
	ModelSpec spec;
	try {
		spec = spec::parse_python_model(program);
	} catch (const ModelDefinitionError &e) {
		SourceLocation where = e.location;
		if (where.line > kLinesBefore) {
			where.line -= kLinesBefore;
			if (where.line == 1) {
				where.column = std::max(1, where.column - static_cast<int>(call.size()));
			}
		} else {
			where = {1, 1};
		}
		throw ModelDefinitionError(where, e.reason);
	}
	if (spec.compile.loss.name.empty()) {
		throw ModelDefinitionError({1, 1}, "the compile arguments name no loss; add e.g. loss='mse' or "
		                                   "loss='sparse_categorical_crossentropy'");
	}
	return spec.compile;
}

namespace {

//! The definition's shape of `input`, its None dimensions taken from the
//! stream's record shape `stream` (bind_input_shape() in parse.h).
Shape complete_shape(const InputSpec &input, const Shape &stream) {
	const Shape &declared = *input.shape;
	const auto unknown = std::count(declared.begin(), declared.end(), -1);
	if (declared.size() == stream.size() && std::equal(declared.begin(), declared.end(), stream.begin(),
	                                                   [](int64_t d, int64_t s) { return d == -1 || d == s; })) {
		return stream;
	}
	int64_t known = 1;
	for (int64_t d : declared) {
		known *= d == -1 ? 1 : d;
	}
	if (unknown == 1 && stream.size() == 1 && declared.size() > 1 && stream[0] % known == 0) {
		Shape filled = declared; // a flat record: the width gives the one None
		*std::find(filled.begin(), filled.end(), -1) = stream[0] / known;
		return filled;
	}
	std::string message = "input '" + input.name + "' has the shape (" + spec::format_dims(declared) +
	                      ") in the definition, but the stream gives (" + spec::format_dims(stream) + ")";
	if (unknown > 0) {
		// An example of the full shape: the None dimensions as 50 steps.
		auto example = [&](const char *separator) {
			std::string text;
			for (size_t d = 0; d < declared.size(); d++) {
				text += (d ? separator : "") + std::to_string(declared[d] == -1 ? 50 : declared[d]);
			}
			return text;
		};
		message += "; the stream's records must give its None dimension" + std::string(unknown > 1 ? "s" : "") +
		           ": set the stream's data_reshape to the records' full shape, e.g. '" + example(" ") +
		           "', or write it in the definition, e.g. keras.Input(shape=(" + example(", ") + "))";
	}
	throw ModelDefinitionError({}, message);
}

} // namespace

bool input_shape_complete(const ModelSpec &spec) {
	return spec.input_bound() && std::none_of(spec.inputs.begin(), spec.inputs.end(), [](const InputSpec &input) {
		       return std::find(input.shape->begin(), input.shape->end(), -1) != input.shape->end();
	       });
}

void bind_input_shape(ModelSpec &spec, const std::vector<Shape> &shapes) {
	if (shapes.size() != spec.inputs.size()) {
		throw ModelDefinitionError({}, "the model has " + std::to_string(spec.inputs.size()) + " inputs but " +
		                                   std::to_string(shapes.size()) + " shapes were given");
	}
	for (size_t i = 0; i < shapes.size(); i++) {
		InputSpec &input = spec.inputs[i];
		const Shape &shape = shapes[i];
		if (shape.empty() || std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d == 0 || d < -1; })) {
			throw ModelDefinitionError({}, "input '" + input.name +
			                                   "': a shape needs positive dimensions (-1 for "
			                                   "None), got (" +
			                                   spec::format_dims(shape) + ")");
		}
		input.shape = input.shape ? complete_shape(input, shape) : shape;
	}
	if (spec.is_chain()) {
		spec.layers.front().input_shape = spec.inputs.front().shape;
	}
	spec::normalize_model(spec);
	check_model_size(spec); // its size is known only now
}

} // namespace kafkaml::ml
