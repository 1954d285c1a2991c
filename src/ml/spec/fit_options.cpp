// fit()/evaluate() keyword arguments: the original's "epochs=5,
// steps_per_epoch=1000" strings, a JSON object text, or a JSON object.
// Arguments Keras accepts but that have no meaning for a stream job are
// either ignored (performance knobs, listed in README.md) or rejected with
// the reason, never silently dropped when they would change the result.

#include "ml/spec/call_arguments.h"
#include "ml/spec/parse.h"
#include "ml/spec/syntax.h"

#include <nlohmann/json.hpp>

#include <map>

namespace kafkaml::ml {

namespace {

using namespace spec;

FitOptions fit_from_dict(const Value &dict) {
	static const std::map<std::string, std::string> rejected = {
	    {"callbacks", "callbacks are not supported: every job reports each epoch's metrics itself"},
	    {"x", "the data comes from the stream"},
	    {"y", "the labels come from the stream (message keys)"},
	    {"validation_data", "validation data is the share of the stream set by the deployment's validation_rate"},
	    {"validation_split", "the validation share is the deployment's validation_rate"},
	    {"class_weight", "class weights are not supported"},
	    {"sample_weight", "sample weights are not supported"},
	};
	for (const auto &entry : dict.keywords) {
		auto found = rejected.find(entry.name);
		if (found != rejected.end()) {
			fail(entry.location, "'" + entry.name + "' is not supported: " + found->second + "; remove it");
		}
	}
	FitOptions options;
	CallArguments args(dict, "fit", {});
	options.epochs = args.integer("epochs", 1);
	options.batch_size = args.optional_integer("batch_size");
	options.steps_per_epoch = args.optional_integer("steps_per_epoch");
	options.shuffle = args.boolean("shuffle", true);
	if (const Value *verbose = args.get("verbose")) {
		if (verbose->kind == ValueKind::String && verbose->text == "auto") {
			options.verbose = 1;
		} else {
			options.verbose = static_cast<int>(integer_value(*verbose, args.what("verbose"), 0));
			if (options.verbose > 2) {
				fail(verbose->location, args.what("verbose") + " must be 0, 1, 2 or 'auto'");
			}
		}
	}
	options.validation_steps = args.optional_integer("validation_steps");
	options.steps = args.optional_integer("steps");
	if (auto seed = args.optional_integer("seed", 0)) {
		options.seed = static_cast<uint64_t>(*seed);
	}
	args.only_number("initial_epoch", 0);
	args.only_number("validation_freq", 1);
	args.ignored("validation_batch_size");
	args.ignored("workers");
	args.ignored("use_multiprocessing");
	args.ignored("max_queue_size");
	args.ignored("return_dict");
	args.finish();
	return options;
}

Value from_nlohmann(const nlohmann::json &json, int depth) {
	Value value;
	if (depth > kMaxDepth) {
		fail({}, "fit arguments nest deeper than " + std::to_string(kMaxDepth) + " levels");
	}
	switch (json.type()) {
	case nlohmann::json::value_t::null:
	case nlohmann::json::value_t::discarded:
		break;
	case nlohmann::json::value_t::boolean:
		value.kind = ValueKind::Bool;
		value.boolean = json.get<bool>();
		break;
	case nlohmann::json::value_t::number_integer:
		value.kind = ValueKind::Int;
		value.integer = json.get<int64_t>();
		break;
	case nlohmann::json::value_t::number_unsigned:
		if (json.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
			fail({}, "number " + json.dump() + " is out of range");
		}
		value.kind = ValueKind::Int;
		value.integer = json.get<int64_t>();
		break;
	case nlohmann::json::value_t::number_float:
		value.kind = ValueKind::Float;
		value.number = json.get<double>();
		break;
	case nlohmann::json::value_t::string:
		value.kind = ValueKind::String;
		value.text = json.get<std::string>();
		break;
	case nlohmann::json::value_t::array:
	case nlohmann::json::value_t::binary:
		value.kind = ValueKind::List;
		if (json.is_array()) {
			for (const auto &item : json) {
				value.items.push_back(from_nlohmann(item, depth + 1));
			}
		}
		break;
	case nlohmann::json::value_t::object:
		value.kind = ValueKind::Dict;
		for (const auto &[key, item] : json.items()) {
			value.keywords.push_back(Argument{key, {}, from_nlohmann(item, depth + 1)});
		}
		break;
	}
	return value;
}

} // namespace

FitOptions parse_fit_kwargs(std::string_view text) {
	size_t start = text.find_first_not_of(" \t\r\n");
	if (start != std::string_view::npos && text[start] == '{') {
		Value dict = parse_json(text);
		if (dict.kind != ValueKind::Dict) {
			fail(dict.location, "fit arguments must be a JSON object");
		}
		return fit_from_dict(dict);
	}
	return fit_from_dict(parse_keyword_list(text));
}

nlohmann::json fit_options_to_json(const FitOptions &options) {
	nlohmann::json object = {{"epochs", options.epochs}, {"shuffle", options.shuffle}, {"verbose", options.verbose}};
	if (options.batch_size) {
		object["batch_size"] = *options.batch_size;
	}
	if (options.steps_per_epoch) {
		object["steps_per_epoch"] = *options.steps_per_epoch;
	}
	if (options.validation_steps) {
		object["validation_steps"] = *options.validation_steps;
	}
	if (options.steps) {
		object["steps"] = *options.steps;
	}
	if (options.seed) {
		object["seed"] = *options.seed;
	}
	return object;
}

FitOptions fit_options_from_json(const nlohmann::json &object) {
	if (object.is_null()) {
		return FitOptions{};
	}
	if (object.is_string()) {
		return parse_fit_kwargs(object.get<std::string>());
	}
	if (!object.is_object()) {
		fail({}, "fit arguments must be an object such as {\"epochs\": 5} or a string such as \"epochs=5\"");
	}
	return fit_from_dict(from_nlohmann(object, 0));
}

} // namespace kafkaml::ml
