#pragma once

#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kafkaml::broker::protocol {

//! Request header v1 (v2 adds a tagged-field section for flexible versions).
//! `client_id` is copied so the header outlives the frame buffer.
struct RequestHeader {
	int16_t api_key = 0;
	int16_t api_version = 0;
	int32_t correlation_id = 0;
	std::optional<std::string> client_id;
};

//! Parses the fixed part of a request header (api key, version, correlation
//! id, client id). Throws DecodeError on truncation. The caller decides from
//! (api_key, api_version) whether the version is flexible and, if so, calls
//! `reader.skip_tagged_fields()` before the body.
RequestHeader parse_request_header(Reader &reader);

//! Builds one response frame: 4-byte size, correlation id, optional tagged
//! fields (response header v1 for flexible versions), then the body written
//! through `body()`. `finish()` fills in the size and hands out the bytes.
class ResponseFrame {
public:
	explicit ResponseFrame(int32_t correlation_id, bool flexible_header = false);
	Writer &body() { return writer_; }
	std::vector<uint8_t> finish();

private:
	Writer writer_;
	size_t size_at_;
};

} // namespace kafkaml::broker::protocol
