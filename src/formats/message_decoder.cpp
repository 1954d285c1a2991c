#include "formats/message_decoder.h"

#include "common/json_input.h"

#include "formats/avro_codec.h"
#include "formats/format_error.h"
#include "formats/json_codec.h"
#include "formats/raw_codec.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace kafkaml::formats {
namespace {

std::string upper(std::string_view text) {
	std::string out(text);
	std::transform(out.begin(), out.end(), out.begin(),
	               [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
	return out;
}

bool present(const nlohmann::json &config, const char *name) {
	if (!config.contains(name) || config[name].is_null()) {
		return false;
	}
	return !(config[name].is_string() && config[name].get<std::string>().empty());
}

std::string string_field(const nlohmann::json &config, const char *name) {
	if (!present(config, name)) {
		return {};
	}
	const auto &value = config[name];
	if (!value.is_string()) {
		throw FormatError(std::string("input_config.") + name + " must be a string");
	}
	return value.get<std::string>();
}

std::unique_ptr<FieldDecoder> raw_side(const nlohmann::json &config, const char *type_key, const char *shape_key) {
	if (!present(config, type_key)) {
		return nullptr;
	}
	return std::make_unique<RawDecoder>(parse_dtype(string_field(config, type_key)),
	                                    parse_shape(string_field(config, shape_key)));
}

std::vector<std::string> name_list(const nlohmann::json &config, const char *key) {
	std::vector<std::string> names;
	if (!present(config, key)) {
		return names;
	}
	if (!config[key].is_array()) {
		throw FormatError(std::string("input_config.") + key + " must be a list of field names");
	}
	for (const auto &name : config[key]) {
		if (!name.is_string()) {
			throw FormatError(std::string("input_config.") + key + " must be a list of field names");
		}
		names.push_back(name.get<std::string>());
	}
	return names;
}

std::string with_offset(int64_t offset, const std::string &what) {
	return "offset " + std::to_string(offset) + ": " + what;
}

//! The first row of a batch fixes its width; later rows must match it.
void check_width(size_t width, size_t rows, size_t &batch_width, const char *what) {
	if (rows == 0) {
		batch_width = width;
		return;
	}
	if (width != batch_width) {
		throw FormatError(std::string(what) + " has " + std::to_string(width) + " values where the batch has " +
		                  std::to_string(batch_width));
	}
}

} // namespace

MessageDecoder::MessageDecoder(std::unique_ptr<FieldDecoder> features, std::unique_ptr<FieldDecoder> label)
    : features_(std::move(features)), label_(std::move(label)) {}

MessageDecoder MessageDecoder::from_config(std::string_view input_format, const nlohmann::json &input_config) {
	nlohmann::json config = input_config;
	if (config.is_string()) {
		try {
			config = parse_json(config.get<std::string>());
		} catch (const JsonInputError &e) {
			throw FormatError(std::string("input_config is not valid JSON: ") + e.what());
		}
	}
	if (config.is_null()) {
		config = nlohmann::json::object();
	}
	if (!config.is_object()) {
		throw FormatError("input_config must be a JSON object");
	}
	auto format = upper(input_format);
	if (format == "RAW") {
		auto features = raw_side(config, "data_type", "data_reshape");
		if (!features) {
			throw FormatError("RAW input_config needs data_type (for example \"float32\")");
		}
		return MessageDecoder(std::move(features), raw_side(config, "label_type", "label_reshape"));
	}
	if (format == "AVRO") {
		if (!present(config, "data_scheme")) {
			throw FormatError("AVRO input_config needs data_scheme (the Avro schema of the values)");
		}
		std::unique_ptr<FieldDecoder> label;
		if (present(config, "label_scheme")) {
			label = std::make_unique<AvroDecoder>(AvroSchema::from_json(config["label_scheme"]));
		}
		return MessageDecoder(std::make_unique<AvroDecoder>(AvroSchema::from_json(config["data_scheme"])),
		                      std::move(label));
	}
	if (format == "JSON") {
		std::unique_ptr<FieldDecoder> label;
		if (config.value("labeled", true)) {
			label = std::make_unique<JsonDecoder>(name_list(config, "label_fields"));
		}
		return MessageDecoder(std::make_unique<JsonDecoder>(name_list(config, "fields")), std::move(label));
	}
	throw FormatError("unknown input_format '" + std::string(input_format) + "': use RAW, AVRO or JSON");
}

void MessageDecoder::decode(const MessageView &message, Batch &batch, bool with_label) const {
	size_t features_before = batch.features.size();
	size_t labels_before = batch.labels.size();
	try {
		features_->decode(message.value, batch.features);
		size_t width = batch.features.size() - features_before;
		if (batch.required_feature_width != 0 && width != batch.required_feature_width) {
			throw FormatError("message has " + std::to_string(width) + " values; the model takes " +
			                  std::to_string(batch.required_feature_width) + " per input");
		}
		check_width(width, batch.rows, batch.feature_width, "message");
		if (with_label) {
			if (!label_) {
				throw FormatError("the input format defines no label (label_type / label_scheme)");
			}
			if (!message.key) {
				throw FormatError("record has no key, but the label is read from the key");
			}
			label_->decode(*message.key, batch.labels);
			check_width(batch.labels.size() - labels_before, batch.rows, batch.label_width, "label");
		}
	} catch (const FormatError &e) {
		batch.features.resize(features_before);
		batch.labels.resize(labels_before);
		throw FormatError(with_offset(message.offset, e.what()));
	}
	batch.rows++;
}

void MessageDecoder::decode_batch(std::span<const MessageView> messages, Batch &batch, bool with_label) const {
	size_t rows = batch.rows + messages.size();
	if (size_t width = features_->width(); width != 0) {
		batch.features.reserve(rows * width);
	}
	if (with_label && label_ && label_->width() != 0) {
		batch.labels.reserve(rows * label_->width());
	}
	for (const auto &message : messages) {
		decode(message, batch, with_label);
	}
}

} // namespace kafkaml::formats
