#include "broker/storage/batch_records.h"

#include "broker/protocol/reader.h"
#include "broker/storage/record_batch.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

namespace kafkaml::broker::storage {
namespace {

//! Appends `chunk` to `out` unless that passes `limit`.
bool append_within(std::vector<uint8_t> &out, const uint8_t *chunk, size_t size, size_t limit, std::string &error) {
	if (out.size() + size > limit) {
		error = "the compressed records decompress to more than " + std::to_string(limit) + " bytes";
		return false;
	}
	out.insert(out.end(), chunk, chunk + size);
	return true;
}

std::optional<std::vector<uint8_t>> gunzip(std::span<const uint8_t> in, size_t limit, std::string &error) {
	z_stream stream{};
	if (inflateInit2(&stream, 15 + 32) != Z_OK) { // 15 + 32: a gzip or zlib header, found by itself
		error = "gzip: cannot start the decompressor";
		return std::nullopt;
	}
	std::unique_ptr<z_stream, int (*)(z_stream *)> guard(&stream, inflateEnd);
	stream.next_in = const_cast<Bytef *>(in.data());
	stream.avail_in = static_cast<uInt>(in.size());
	std::vector<uint8_t> out;
	uint8_t chunk[64 * 1024];
	for (;;) {
		stream.next_out = chunk;
		stream.avail_out = sizeof(chunk);
		int status = inflate(&stream, Z_NO_FLUSH);
		if (status != Z_OK && status != Z_STREAM_END) {
			error = "gzip: the compressed records are corrupt";
			return std::nullopt;
		}
		if (!append_within(out, chunk, sizeof(chunk) - stream.avail_out, limit, error)) {
			return std::nullopt;
		}
		if (status == Z_STREAM_END) {
			return out;
		}
		if (stream.avail_in == 0 && stream.avail_out != 0) {
			error = "gzip: the compressed records are cut short";
			return std::nullopt;
		}
	}
}

std::optional<std::vector<uint8_t>> unsnappy_block(std::span<const uint8_t> in, std::vector<uint8_t> &out, size_t limit,
                                                   std::string &error) {
	size_t size = 0;
	auto *text = reinterpret_cast<const char *>(in.data());
	if (snappy_uncompressed_length(text, in.size(), &size) != SNAPPY_OK) {
		error = "snappy: the compressed records are corrupt";
		return std::nullopt;
	}
	if (out.size() + size > limit) {
		error = "the compressed records decompress to more than " + std::to_string(limit) + " bytes";
		return std::nullopt;
	}
	size_t at = out.size();
	out.resize(at + size);
	if (snappy_uncompress(text, in.size(), reinterpret_cast<char *>(out.data() + at), &size) != SNAPPY_OK) {
		error = "snappy: the compressed records are corrupt";
		return std::nullopt;
	}
	out.resize(at + size);
	return out;
}

// Java clients frame snappy as xerial does: an 8-byte magic, two 4-byte
// versions, then blocks each prefixed by its big-endian length. librdkafka
// sends one plain snappy block.
std::optional<std::vector<uint8_t>> unsnappy(std::span<const uint8_t> in, size_t limit, std::string &error) {
	static const uint8_t magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
	std::vector<uint8_t> out;
	if (in.size() < 16 || std::memcmp(in.data(), magic, sizeof(magic)) != 0) {
		return unsnappy_block(in, out, limit, error);
	}
	size_t at = 16;
	while (at < in.size()) {
		if (in.size() - at < 4) {
			error = "snappy: a framed block is cut short";
			return std::nullopt;
		}
		size_t length = protocol::load_be32(in.data() + at);
		at += 4;
		if (length > in.size() - at) {
			error = "snappy: a framed block is cut short";
			return std::nullopt;
		}
		if (!unsnappy_block(in.subspan(at, length), out, limit, error)) {
			return std::nullopt;
		}
		at += length;
	}
	return out;
}

std::optional<std::vector<uint8_t>> unlz4(std::span<const uint8_t> in, size_t limit, std::string &error) {
	LZ4F_dctx *raw = nullptr;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
		error = "lz4: cannot start the decompressor";
		return std::nullopt;
	}
	std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx *)> context(raw, LZ4F_freeDecompressionContext);
	std::vector<uint8_t> out;
	uint8_t chunk[64 * 1024];
	size_t at = 0;
	for (;;) {
		size_t produced = sizeof(chunk);
		size_t consumed = in.size() - at;
		size_t hint = LZ4F_decompress(context.get(), chunk, &produced, in.data() + at, &consumed, nullptr);
		if (LZ4F_isError(hint)) {
			error = std::string("lz4: ") + LZ4F_getErrorName(hint);
			return std::nullopt;
		}
		at += consumed;
		if (!append_within(out, chunk, produced, limit, error)) {
			return std::nullopt;
		}
		if (hint == 0) {
			return out; // the frame is complete
		}
		if (at == in.size() && produced == 0) {
			error = "lz4: the compressed records are cut short";
			return std::nullopt;
		}
	}
}

std::optional<std::vector<uint8_t>> unzstd(std::span<const uint8_t> in, size_t limit, std::string &error) {
	std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream *)> stream(ZSTD_createDStream(), ZSTD_freeDStream);
	if (!stream || ZSTD_isError(ZSTD_initDStream(stream.get()))) {
		error = "zstd: cannot start the decompressor";
		return std::nullopt;
	}
	std::vector<uint8_t> out;
	uint8_t chunk[64 * 1024];
	ZSTD_inBuffer input{in.data(), in.size(), 0};
	for (;;) {
		ZSTD_outBuffer output{chunk, sizeof(chunk), 0};
		size_t hint = ZSTD_decompressStream(stream.get(), &output, &input);
		if (ZSTD_isError(hint)) {
			error = std::string("zstd: ") + ZSTD_getErrorName(hint);
			return std::nullopt;
		}
		if (!append_within(out, chunk, output.pos, limit, error)) {
			return std::nullopt;
		}
		if (hint == 0) {
			return out;
		}
		if (input.pos == input.size && output.pos < output.size) {
			error = "zstd: the compressed records are cut short";
			return std::nullopt;
		}
	}
}

//! Walks `count` records; "" when exactly they fill `records`.
std::string walk_records(std::span<const uint8_t> records, int32_t count) {
	protocol::Reader in(records);
	try {
		for (int32_t i = 0; i < count; i++) {
			if (in.at_end()) {
				return "the batch claims " + std::to_string(count) + " records but holds " + std::to_string(i);
			}
			int32_t length = in.varint();
			if (length < 0 || static_cast<size_t>(length) > in.remaining()) {
				return "record " + std::to_string(i) + " has a length of " + std::to_string(length) +
				       " bytes, beyond the batch";
			}
			protocol::Reader record(in.raw(static_cast<size_t>(length)));
			record.i8();      // attributes
			record.varlong(); // timestamp delta
			if (int32_t delta = record.varint(); delta != i) {
				return "record " + std::to_string(i) + " has offset delta " + std::to_string(delta) + " (expected " +
				       std::to_string(i) + ")";
			}
			for (int field = 0; field < 2; field++) { // key, value
				int32_t size = record.varint();
				if (size < -1) {
					return "record " + std::to_string(i) + " has a negative field length";
				}
				if (size > 0) {
					record.skip(static_cast<size_t>(size));
				}
			}
			int32_t headers = record.varint();
			if (headers < 0 || static_cast<size_t>(headers) > record.remaining()) {
				return "record " + std::to_string(i) + " has a bad header count";
			}
			for (int32_t h = 0; h < headers; h++) {
				int32_t key = record.varint();
				if (key < 0) {
					return "record " + std::to_string(i) + " has a header without a key";
				}
				record.skip(static_cast<size_t>(key));
				int32_t value = record.varint();
				if (value < -1) {
					return "record " + std::to_string(i) + " has a negative header length";
				}
				if (value > 0) {
					record.skip(static_cast<size_t>(value));
				}
			}
			if (!record.at_end()) {
				return "record " + std::to_string(i) + " has " + std::to_string(record.remaining()) +
				       " bytes after its fields";
			}
		}
	} catch (const protocol::DecodeError &e) {
		return std::string("a record is malformed: ") + e.what();
	}
	if (!in.at_end()) {
		return "the batch claims " + std::to_string(count) + " records but holds " + std::to_string(in.remaining()) +
		       " more bytes after them";
	}
	return {};
}

} // namespace

std::optional<std::vector<uint8_t>> decompress_records(int codec, std::span<const uint8_t> compressed, size_t limit,
                                                       std::string &error) {
	switch (codec) {
	case 1:
		return gunzip(compressed, limit, error);
	case 2:
		return unsnappy(compressed, limit, error);
	case 3:
		return unlz4(compressed, limit, error);
	case 4:
		return unzstd(compressed, limit, error);
	default:
		error = "compression codec " + std::to_string(codec) + " is unknown (1 gzip, 2 snappy, 3 lz4, 4 zstd)";
		return std::nullopt;
	}
}

std::string check_batch_records(std::span<const uint8_t> batch) {
	auto header = read_batch_header(batch);
	if (!header) {
		return "record batch shorter than its header";
	}
	auto records = batch.subspan(batch::kHeaderSize);
	if (header->compression() == 0) {
		return walk_records(records, header->record_count);
	}
	std::string error;
	auto plain = decompress_records(header->compression(), records, kMaxDecompressedBatch, error);
	if (!plain) {
		return error;
	}
	return walk_records(*plain, header->record_count);
}

} // namespace kafkaml::broker::storage
