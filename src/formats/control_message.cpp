#include "formats/control_message.h"

#include "common/json_input.h"

#include "formats/format_error.h"
#include "formats/split.h"

#include <algorithm>

namespace kafkaml::formats {
namespace {

//! A control message says where a stream lies and how to decode it: a few
//! hundred bytes, an Avro schema at most. A megabyte is generous and keeps
//! a hostile one from costing the logger more than that.
constexpr JsonLimits kControlMessageLimits{64, size_t{1} << 20};

double rate_field(const nlohmann::json &value, const char *name) {
	if (!value.contains(name) || value[name].is_null()) {
		return 0.0;
	}
	const auto &field = value[name];
	if (field.is_number()) {
		return field.get<double>();
	}
	if (field.is_string()) {
		try {
			size_t used = 0;
			auto text = field.get<std::string>();
			double rate = std::stod(text, &used);
			if (used == text.size()) {
				return rate;
			}
		} catch (const std::exception &) {
		}
	}
	throw FormatError(std::string("control message ") + name + " must be a number between 0 and 1");
}

int64_t integer_field(const nlohmann::json &field, const char *name) {
	if (field.is_number_integer()) {
		return field.get<int64_t>();
	}
	if (field.is_number_float() &&
	    field.get<double>() == static_cast<double>(static_cast<int64_t>(field.get<double>()))) {
		return static_cast<int64_t>(field.get<double>());
	}
	if (field.is_string()) {
		try {
			size_t used = 0;
			auto text = field.get<std::string>();
			long long number = std::stoll(text, &used);
			if (used == text.size()) {
				return number;
			}
		} catch (const std::exception &) {
		}
	}
	throw FormatError(std::string("control message ") + name + " must be an integer");
}

//! Kafka's rule for topic names: 1..249 of [a-zA-Z0-9._-].
bool is_topic_name(std::string_view text) {
	if (text.empty() || text.size() > 249 || text == "." || text == "..") {
		return false;
	}
	return std::all_of(text.begin(), text.end(), [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		       c == '-';
	});
}

} // namespace

std::string ControlMessage::topic_field() const {
	return online() ? online_topic : format_range_list(ranges);
}

void ControlMessage::set_topic_field(std::string_view text) {
	ranges.clear();
	online_topic.clear();
	if (text.find(':') != std::string_view::npos || text.empty()) {
		ranges = parse_range_list(text);
		return;
	}
	if (!is_topic_name(text)) {
		throw FormatError("control message topic '" + std::string(text) +
		                  "' is neither a range list like \"data:0:0:239\" nor a topic name (letters, digits, '.', "
		                  "'_', '-') of an online stream");
	}
	online_topic = std::string(text);
}

int64_t decode_deployment_key(std::string_view key) {
	if (key.empty() || key.size() > 8) {
		throw FormatError("control message key has " + std::to_string(key.size()) +
		                  " bytes; expected the deployment id as a 1..8-byte big-endian integer");
	}
	uint64_t id = 0;
	for (char c : key) {
		id = (id << 8) | static_cast<unsigned char>(c);
	}
	if (id > static_cast<uint64_t>(INT64_MAX)) {
		throw FormatError("control message key is a deployment id beyond 2^63");
	}
	return static_cast<int64_t>(id);
}

std::string ControlMessage::encode_key() const {
	auto id = static_cast<uint64_t>(deployment_id);
	std::string key;
	do {
		key.insert(key.begin(), static_cast<char>(id & 0xff));
		id >>= 8;
	} while (id != 0);
	return key;
}

std::string ControlMessage::encode_value() const {
	nlohmann::json value = {
	    {"topic", topic_field()},
	    {"input_format", input_format},
	    {"input_config", input_config},
	    {"description", description},
	    {"validation_rate", validation_rate},
	    {"test_rate", test_rate},
	    {"total_msg", online() ? nlohmann::json(nullptr) : nlohmann::json(total_msg)},
	    {"deployment_id", deployment_id},
	};
	if (online()) {
		value["incremental"] = true; // as the original's online sources mark it
	}
	return value.dump();
}

ControlMessage decode_control_message(std::optional<std::string_view> key, std::string_view value_text) {
	nlohmann::json value;
	try {
		value = parse_json(value_text, kControlMessageLimits);
	} catch (const JsonInputError &e) {
		throw FormatError(std::string("control message value is not JSON: ") + e.what());
	}
	if (!value.is_object()) {
		throw FormatError("control message value must be a JSON object");
	}
	ControlMessage message;
	if (value.contains("deployment_id") && !value["deployment_id"].is_null()) {
		message.deployment_id = integer_field(value["deployment_id"], "deployment_id");
	} else if (key) {
		message.deployment_id = decode_deployment_key(*key);
	} else {
		throw FormatError("control message has neither a key nor \"deployment_id\": which deployment is it for?");
	}
	if (message.deployment_id < 0) {
		throw FormatError("control message deployment_id must not be negative");
	}
	if (!value.contains("topic") || !value["topic"].is_string()) {
		throw FormatError("control message needs \"topic\": a range list like \"data:0:0:239\", or the topic "
		                  "of an online stream");
	}
	message.set_topic_field(value["topic"].get<std::string>());
	if (value.contains("input_format") && value["input_format"].is_string()) {
		message.input_format = value["input_format"].get<std::string>();
	} else if (value.contains("input_format") && !value["input_format"].is_null()) {
		throw FormatError("control message input_format must be a string (RAW, AVRO or JSON)");
	}
	if (value.contains("input_config") && !value["input_config"].is_null()) {
		const auto &config = value["input_config"];
		if (config.is_object()) {
			message.input_config = config;
		} else if (config.is_string()) {
			try {
				auto text = config.get<std::string>();
				message.input_config =
				    text.empty() ? nlohmann::json::object() : parse_json(text, kControlMessageLimits);
			} catch (const JsonInputError &e) {
				throw FormatError(std::string("control message input_config is not valid JSON text: ") + e.what());
			}
			if (!message.input_config.is_object()) {
				throw FormatError("control message input_config must be a JSON object");
			}
		} else {
			throw FormatError("control message input_config must be an object or JSON text of one");
		}
	}
	if (value.contains("description") && value["description"].is_string()) {
		message.description = value["description"].get<std::string>();
	}
	message.validation_rate = rate_field(value, "validation_rate");
	message.test_rate = rate_field(value, "test_rate");
	int64_t in_ranges = total_messages(message.ranges);
	bool has_total = value.contains("total_msg") && !value["total_msg"].is_null();
	if (message.online() && has_total) {
		throw FormatError("control message names the online stream of topic '" + message.online_topic +
		                  "' but gives total_msg: an online stream has no end, so its total_msg is null; a bounded "
		                  "stream names its ranges (topic:partition:start:end)");
	}
	if (has_total) {
		message.total_msg = integer_field(value["total_msg"], "total_msg");
		if (message.total_msg != in_ranges) {
			throw FormatError("control message total_msg is " + std::to_string(message.total_msg) +
			                  " but its ranges hold " + std::to_string(in_ranges) + " records");
		}
	} else {
		message.total_msg = in_ranges;
	}
	compute_split(message.total_msg, message.validation_rate, message.test_rate); // validates the rates
	return message;
}

} // namespace kafkaml::formats
