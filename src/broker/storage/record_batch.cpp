#include "broker/storage/record_batch.h"

#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "broker/storage/crc32c.h"

#include <string>

namespace kafkaml::broker::storage {

using protocol::load_be16;
using protocol::load_be32;
using protocol::load_be64;

std::optional<BatchHeader> read_batch_header(std::span<const uint8_t> data) {
	if (data.size() < batch::kHeaderSize) {
		return std::nullopt;
	}
	const uint8_t *p = data.data();
	BatchHeader h;
	h.base_offset = static_cast<int64_t>(load_be64(p + batch::kBaseOffset));
	h.length = static_cast<int32_t>(load_be32(p + batch::kLength));
	h.magic = static_cast<int8_t>(p[batch::kMagic]);
	h.crc = load_be32(p + batch::kCrc);
	h.attributes = static_cast<int16_t>(load_be16(p + batch::kAttributes));
	h.last_offset_delta = static_cast<int32_t>(load_be32(p + batch::kLastOffsetDelta));
	h.base_timestamp = static_cast<int64_t>(load_be64(p + batch::kBaseTimestamp));
	h.max_timestamp = static_cast<int64_t>(load_be64(p + batch::kMaxTimestamp));
	h.producer_id = static_cast<int64_t>(load_be64(p + batch::kProducerId));
	h.producer_epoch = static_cast<int16_t>(load_be16(p + batch::kProducerEpoch));
	h.base_sequence = static_cast<int32_t>(load_be32(p + batch::kBaseSequence));
	h.record_count = static_cast<int32_t>(load_be32(p + batch::kRecordCount));
	return h;
}

std::string validate_batch(std::span<const uint8_t> data) {
	auto h = read_batch_header(data);
	if (!h) {
		return "record batch shorter than its 61-byte header";
	}
	if (h->magic != 2) {
		return "record batch magic " + std::to_string(h->magic) + " is not supported (only magic 2)";
	}
	if (h->length < 0 || h->total_size() != data.size()) {
		return "record batch length " + std::to_string(h->length) + " does not match its " +
		       std::to_string(data.size()) + " bytes";
	}
	if (h->record_count < 0 || h->last_offset_delta < 0) {
		return "record batch has a negative record count or offset delta";
	}
	uint32_t crc = crc32c(data.data() + batch::kAttributes, data.size() - batch::kAttributes);
	if (crc != h->crc) {
		return "record batch CRC-32C mismatch";
	}
	return {};
}

std::string split_batches(std::span<const uint8_t> records, std::vector<std::span<const uint8_t>> &out) {
	out.clear();
	size_t pos = 0;
	while (pos < records.size()) {
		auto rest = records.subspan(pos);
		if (rest.size() < batch::kLogOverhead) {
			return "truncated record batch at byte " + std::to_string(pos);
		}
		auto length = static_cast<int32_t>(load_be32(rest.data() + batch::kLength));
		if (length < 0 || static_cast<size_t>(length) + batch::kLogOverhead > rest.size()) {
			return "truncated record batch at byte " + std::to_string(pos);
		}
		auto one = rest.subspan(0, static_cast<size_t>(length) + batch::kLogOverhead);
		if (auto err = validate_batch(one); !err.empty()) {
			return err;
		}
		// As Kafka requires of a producer's batch: offsets 0..count-1. Else a
		// batch of one record could claim 2^31 offsets and move the log end
		// past what the index's 32-bit relative offsets can hold. (Checked
		// here, not in validate_batch, so recovery never cuts a log at a
		// batch an earlier version accepted.)
		auto h = read_batch_header(one);
		if (h->record_count < 1 || h->last_offset_delta != h->record_count - 1) {
			return "record batch of " + std::to_string(h->record_count) + " records has last offset delta " +
			       std::to_string(h->last_offset_delta) + " (expected record count - 1)";
		}
		out.push_back(one);
		pos += one.size();
	}
	return {};
}

void set_base_offset(uint8_t *batch_start, int64_t base_offset) {
	protocol::store_be64(batch_start + batch::kBaseOffset, static_cast<uint64_t>(base_offset));
}

bool decode_records(std::span<const uint8_t> data, std::vector<Record> &out) {
	auto h = read_batch_header(data);
	if (!h) {
		throw protocol::DecodeError("record batch shorter than its header");
	}
	if (h->compression() != 0) {
		return false;
	}
	protocol::Reader r(data.subspan(batch::kHeaderSize));
	for (int32_t i = 0; i < h->record_count; i++) {
		int32_t length = r.varint();
		if (length < 0) {
			throw protocol::DecodeError("negative record length");
		}
		protocol::Reader rec(r.raw(static_cast<size_t>(length)));
		Record record;
		rec.i8(); // attributes
		record.timestamp = h->base_timestamp + rec.varlong();
		record.offset = h->base_offset + rec.varint();
		auto read_varbytes = [&rec]() -> std::optional<std::span<const uint8_t>> {
			int32_t n = rec.varint();
			if (n < 0) {
				return std::nullopt;
			}
			return rec.raw(static_cast<size_t>(n));
		};
		record.key = read_varbytes();
		record.value = read_varbytes();
		int32_t header_count = rec.varint();
		if (header_count < 0 || static_cast<size_t>(header_count) > rec.remaining()) {
			throw protocol::DecodeError("bad record header count");
		}
		for (int32_t k = 0; k < header_count; k++) {
			int32_t key_len = rec.varint();
			if (key_len < 0) {
				throw protocol::DecodeError("null record header key");
			}
			auto key = rec.raw(static_cast<size_t>(key_len));
			record.headers.emplace_back(std::string(key.begin(), key.end()), read_varbytes());
		}
		out.push_back(std::move(record));
	}
	return true;
}

std::vector<uint8_t> build_batch(int64_t base_offset, int64_t base_timestamp, const std::vector<NewRecord> &records,
                                 int64_t producer_id, int16_t producer_epoch, int32_t base_sequence) {
	protocol::Writer body;
	int64_t max_delta = 0;
	for (size_t i = 0; i < records.size(); i++) {
		const auto &r = records[i];
		protocol::Writer rec;
		rec.i8(0);
		rec.varlong(r.timestamp_delta);
		rec.varint(static_cast<int32_t>(i));
		auto write_varbytes = [&rec](const std::optional<std::string> &s) {
			if (!s) {
				rec.varint(-1);
				return;
			}
			rec.varint(static_cast<int32_t>(s->size()));
			rec.raw(s->data(), s->size());
		};
		write_varbytes(r.key);
		write_varbytes(r.value);
		rec.varint(static_cast<int32_t>(r.headers.size()));
		for (const auto &[k, v] : r.headers) {
			write_varbytes(k);
			write_varbytes(v);
		}
		body.varint(static_cast<int32_t>(rec.size()));
		body.raw(rec.buffer());
		max_delta = std::max(max_delta, r.timestamp_delta);
	}
	protocol::Writer w;
	w.i64(base_offset);
	size_t length_at = w.reserve_i32();
	w.i32(0); // partition leader epoch
	w.i8(2);  // magic
	w.u32(0); // crc, patched below
	w.i16(0); // attributes: no compression, create time
	w.i32(records.empty() ? 0 : static_cast<int32_t>(records.size() - 1));
	w.i64(base_timestamp);
	w.i64(base_timestamp + max_delta);
	w.i64(producer_id);
	w.i16(producer_epoch);
	w.i32(base_sequence);
	w.i32(static_cast<int32_t>(records.size()));
	w.raw(body.buffer());
	auto out = w.take();
	protocol::store_be32(out.data() + length_at, static_cast<uint32_t>(out.size() - batch::kLogOverhead));
	protocol::store_be32(out.data() + batch::kCrc,
	                     crc32c(out.data() + batch::kAttributes, out.size() - batch::kAttributes));
	return out;
}

} // namespace kafkaml::broker::storage
