// Compressed batches as producers send them, built here with each codec's
// library: the records inside are counted like those of a plain batch.

#include "broker/protocol/reader.h"
#include "broker/storage/batch_records.h"
#include "broker/storage/crc32c.h"
#include "broker/storage/record_batch.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace kafkaml::broker::storage {
namespace {

std::vector<uint8_t> gzip(std::span<const uint8_t> in) {
	z_stream stream{};
	EXPECT_EQ(deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	std::vector<uint8_t> out(deflateBound(&stream, in.size()) + 32);
	stream.next_in = const_cast<Bytef *>(in.data());
	stream.avail_in = static_cast<uInt>(in.size());
	stream.next_out = out.data();
	stream.avail_out = static_cast<uInt>(out.size());
	EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
	out.resize(stream.total_out);
	deflateEnd(&stream);
	return out;
}

std::vector<uint8_t> snappy(std::span<const uint8_t> in) {
	size_t size = snappy_max_compressed_length(in.size());
	std::vector<uint8_t> out(size);
	EXPECT_EQ(snappy_compress(reinterpret_cast<const char *>(in.data()), in.size(),
	                          reinterpret_cast<char *>(out.data()), &size),
	          SNAPPY_OK);
	out.resize(size);
	return out;
}

//! Java clients' xerial framing around snappy blocks.
std::vector<uint8_t> snappy_xerial(std::span<const uint8_t> in) {
	std::vector<uint8_t> out = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
	size_t half = in.size() / 2;
	for (auto part : {in.subspan(0, half), in.subspan(half)}) {
		auto block = snappy(part);
		uint8_t length[4];
		protocol::store_be32(length, static_cast<uint32_t>(block.size()));
		out.insert(out.end(), length, length + 4);
		out.insert(out.end(), block.begin(), block.end());
	}
	return out;
}

std::vector<uint8_t> lz4(std::span<const uint8_t> in) {
	std::vector<uint8_t> out(LZ4F_compressFrameBound(in.size(), nullptr));
	size_t size = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), nullptr);
	EXPECT_FALSE(LZ4F_isError(size));
	out.resize(size);
	return out;
}

std::vector<uint8_t> zstd(std::span<const uint8_t> in) {
	std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
	size_t size = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
	EXPECT_FALSE(ZSTD_isError(size));
	out.resize(size);
	return out;
}

std::vector<NewRecord> records_of(int count) {
	std::vector<NewRecord> records;
	for (int i = 0; i < count; i++) {
		NewRecord r;
		r.key = "k" + std::to_string(i);
		r.value = "value " + std::to_string(i) + std::string(200, 'z');
		r.headers = {{"h", "x"}};
		records.push_back(std::move(r));
	}
	return records;
}

//! A batch of `records` compressed with `codec`, claiming `claimed` records.
std::vector<uint8_t> compressed_batch(int codec, const std::vector<NewRecord> &records, int32_t claimed,
                                      std::vector<uint8_t> (*compress)(std::span<const uint8_t>)) {
	auto plain = build_batch(0, 1000, records);
	auto body = compress(std::span<const uint8_t>(plain).subspan(batch::kHeaderSize));
	std::vector<uint8_t> out(plain.begin(), plain.begin() + batch::kHeaderSize);
	out.insert(out.end(), body.begin(), body.end());
	protocol::store_be32(out.data() + batch::kLength, static_cast<uint32_t>(out.size() - batch::kLogOverhead));
	out[batch::kAttributes] = 0;
	out[batch::kAttributes + 1] = static_cast<uint8_t>(codec);
	protocol::store_be32(out.data() + batch::kRecordCount, static_cast<uint32_t>(claimed));
	protocol::store_be32(out.data() + batch::kLastOffsetDelta, static_cast<uint32_t>(claimed - 1));
	protocol::store_be32(out.data() + batch::kCrc,
	                     crc32c(out.data() + batch::kAttributes, out.size() - batch::kAttributes));
	return out;
}

struct Codec {
	const char *name;
	int id;
	std::vector<uint8_t> (*compress)(std::span<const uint8_t>);
};

const Codec kCodecs[] = {
    {"gzip", 1, gzip}, {"snappy", 2, snappy}, {"snappy (xerial framing)", 2, snappy_xerial},
    {"lz4", 3, lz4},   {"zstd", 4, zstd},
};

TEST(BatchRecords, PlainBatchesAreCounted) {
	auto plain = build_batch(0, 1000, records_of(5));
	EXPECT_EQ(check_batch_records(plain), "");
}

TEST(BatchRecords, CompressedBatchesOfEveryCodecAreCountedToo) {
	auto records = records_of(7);
	for (const auto &codec : kCodecs) {
		SCOPED_TRACE(codec.name);
		EXPECT_EQ(validate_batch(compressed_batch(codec.id, records, 7, codec.compress)), "");
		EXPECT_EQ(check_batch_records(compressed_batch(codec.id, records, 7, codec.compress)), "");
		auto lying = check_batch_records(compressed_batch(codec.id, records, 0x7fffffff, codec.compress));
		EXPECT_NE(lying.find("claims 2147483647 records but holds 7"), std::string::npos) << lying;
		auto fewer = check_batch_records(compressed_batch(codec.id, records, 6, codec.compress));
		EXPECT_NE(fewer.find("claims 6 records"), std::string::npos) << fewer;
	}
}

TEST(BatchRecords, CorruptAndUnknownCompressionIsRefused) {
	auto records = records_of(3);
	for (const auto &codec : kCodecs) {
		SCOPED_TRACE(codec.name);
		auto batch = compressed_batch(codec.id, records, 3, codec.compress);
		// Cut the compressed body short (the CRC is fixed: only the codec notices).
		batch.resize(batch.size() - 20);
		protocol::store_be32(batch.data() + batch::kLength, static_cast<uint32_t>(batch.size() - batch::kLogOverhead));
		EXPECT_NE(check_batch_records(batch), "");
	}
	auto unknown = compressed_batch(5, records, 3, zstd);
	EXPECT_NE(check_batch_records(unknown).find("codec 5 is unknown"), std::string::npos);
}

TEST(BatchRecords, ABatchThatDecompressesBeyondTheLimitIsRefused) {
	// 100 MB of zeros in a few kilobytes.
	std::vector<uint8_t> zeros(100 << 20, 0);
	auto bomb = zstd(zeros);
	ASSERT_LT(bomb.size(), 100'000u);
	std::string error;
	EXPECT_FALSE(decompress_records(4, bomb, kMaxDecompressedBatch, error));
	EXPECT_NE(error.find("more than"), std::string::npos) << error;
	error.clear();
	EXPECT_FALSE(decompress_records(1, gzip(zeros), kMaxDecompressedBatch, error));
	EXPECT_NE(error.find("more than"), std::string::npos) << error;
}

} // namespace
} // namespace kafkaml::broker::storage
