#include "broker/protocol/request_header.h"

namespace kafkaml::broker::protocol {

RequestHeader parse_request_header(Reader &reader) {
	RequestHeader header;
	header.api_key = reader.i16();
	header.api_version = reader.i16();
	header.correlation_id = reader.i32();
	if (auto client = reader.nullable_string()) {
		header.client_id = std::string(*client);
	}
	return header;
}

ResponseFrame::ResponseFrame(int32_t correlation_id, bool flexible_header) {
	size_at_ = writer_.reserve_i32();
	writer_.i32(correlation_id);
	if (flexible_header) {
		writer_.empty_tagged_fields();
	}
}

std::vector<uint8_t> ResponseFrame::finish() {
	writer_.patch_i32(size_at_, static_cast<int32_t>(writer_.size() - size_at_ - 4));
	return writer_.take();
}

} // namespace kafkaml::broker::protocol
