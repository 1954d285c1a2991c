#pragma once

#include "formats/range_list.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::formats {

//! The control message that tells a deployment where its stream lies in the
//! log (docs/wire-format.md). Key: the deployment id as a 1..8-byte big-endian
//! integer (the original sends `bytes([id])`). Value: UTF-8 JSON with
//! "topic" (range list), "input_format", "input_config", "description",
//! "validation_rate", "test_rate" (absent = 0), "total_msg" and, from our
//! own sinks, "deployment_id", which wins over the key when present.
//!
//! An online stream (the original's online sources) names a bare topic
//! instead of ranges, with "total_msg": null and "incremental": true: its
//! records are those written to the topic from the control message on, for
//! as long as the source runs.
struct ControlMessage {
	int64_t deployment_id = 0;
	std::vector<Range> ranges;                              //!< empty for an online stream
	std::string online_topic;                               //!< an online stream's topic; empty for ranges
	std::string input_format;                               //!< "RAW", "AVRO", "JSON" as sent
	nlohmann::json input_config = nlohmann::json::object(); //!< always an object after decoding
	std::string description;
	double validation_rate = 0;
	double test_rate = 0;
	int64_t total_msg = 0; //!< 0 for an online stream, whose end is not known
	//! The control record's timestamp (ms since the epoch), where the reader
	//! knows it: an online stream starts there. Not part of the value.
	int64_t timestamp_ms = -1;

	bool online() const { return !online_topic.empty(); }
	//! What "topic" carries: the range list, or an online stream's topic.
	std::string topic_field() const;
	//! Sets the ranges, or the online topic when `text` is a bare topic name
	//! (Kafka topic names have no ':'). Throws FormatError like
	//! parse_range_list, or for a name Kafka does not allow.
	void set_topic_field(std::string_view text);

	//! The key bytes: the shortest big-endian form, one byte for ids < 256
	//! exactly like the original's `bytes([id])`.
	std::string encode_key() const;
	//! The JSON value (with "deployment_id").
	std::string encode_value() const;
};

//! Decodes a control record. `key` may be absent when the value carries
//! "deployment_id". Throws FormatError with the reason: not JSON, missing or
//! bad "topic", bad rates, total_msg not matching the ranges (or given for
//! an online stream), no id at all, a key longer than 8 bytes. Unknown
//! fields are ignored.
ControlMessage decode_control_message(std::optional<std::string_view> key, std::string_view value);

//! Decodes a key alone (1..8 bytes, big-endian, unsigned).
int64_t decode_deployment_key(std::string_view key);

} // namespace kafkaml::formats
