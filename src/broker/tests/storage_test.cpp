#include "broker/protocol/reader.h"
#include "broker/storage/crc32c.h"
#include "broker/storage/log_manager.h"
#include "broker/storage/partition_log.h"
#include "broker/storage/record_batch.h"
#include "broker/storage/segment.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

using namespace kafkaml::broker::storage;
namespace fs = std::filesystem;

using kafkaml::testing::TempDir;

namespace {

std::vector<uint8_t> batch_of(int count, int64_t timestamp, const std::string &tag = "v") {
	std::vector<NewRecord> records;
	for (int i = 0; i < count; i++) {
		NewRecord r;
		r.key = "key-" + std::to_string(i);
		r.value = tag + "-" + std::to_string(i) + std::string(100, 'x');
		r.headers = {{"h", std::to_string(i)}};
		r.timestamp_delta = i;
		records.push_back(std::move(r));
	}
	return build_batch(0, timestamp, records);
}

std::vector<Record> read_all(const PartitionLog &log, int64_t from, std::vector<uint8_t> &storage) {
	storage.clear();
	log.read(from, 1 << 30, storage);
	std::vector<std::span<const uint8_t>> batches;
	EXPECT_EQ(split_batches(storage, batches), "");
	std::vector<Record> out;
	for (auto b : batches) {
		EXPECT_TRUE(decode_records(b, out));
	}
	return out;
}

} // namespace

TEST(BrokerStorage, Crc32cKnownVector) {
	// RFC 3720 test vector: 32 bytes of zeros -> 0x8a9136aa; "123456789" -> 0xe3069283.
	std::vector<uint8_t> zeros(32, 0);
	EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8a9136aau);
	std::string digits = "123456789";
	EXPECT_EQ(crc32c(reinterpret_cast<const uint8_t *>(digits.data()), digits.size()), 0xe3069283u);
}

TEST(BrokerStorage, Crc32cMatchesBitwiseDefinitionAtEveryLengthAndAlignment) {
	// The fast path joins three interleaved chains; a mistake in the join
	// shows only at some lengths, so compare against the definition, one
	// bit at a time, around each block boundary and at odd alignments.
	auto bitwise = [](const uint8_t *p, size_t n, uint32_t crc) {
		crc = ~crc;
		for (size_t i = 0; i < n; i++) {
			crc ^= p[i];
			for (int k = 0; k < 8; k++) {
				crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
			}
		}
		return ~crc;
	};
	std::mt19937 rng(7);
	std::vector<uint8_t> data(40000);
	for (auto &b : data) {
		b = static_cast<uint8_t>(rng());
	}
	std::vector<size_t> lengths;
	for (size_t block : {size_t{256}, size_t{4096}}) {
		for (size_t times : {size_t{3}, size_t{6}}) {
			for (int delta = -9; delta <= 9; delta++) {
				lengths.push_back(static_cast<size_t>(static_cast<long>(block * times) + delta));
			}
		}
	}
	for (size_t n = 0; n < 40; n++) {
		lengths.push_back(n);
	}
	lengths.push_back(3 * 4096 * 3 + 3 * 256 + 17);
	for (size_t length : lengths) {
		for (size_t offset : {size_t{0}, size_t{1}, size_t{3}}) {
			ASSERT_LE(offset + length, data.size());
			for (uint32_t seed : {0u, 0xdeadbeefu}) {
				ASSERT_EQ(crc32c(data.data() + offset, length, seed), bitwise(data.data() + offset, length, seed))
				    << "length " << length << " offset " << offset << " seed " << seed;
			}
		}
	}
	// Chaining: the CRC of a whole equals that of its parts fed in turn.
	uint32_t whole = crc32c(data.data(), data.size());
	uint32_t parts = crc32c(data.data() + 5000, data.size() - 5000, crc32c(data.data(), 5000));
	EXPECT_EQ(whole, parts);
}

TEST(BrokerStorage, BatchRoundTripAndCrcCheck) {
	auto b = batch_of(3, 1000);
	EXPECT_EQ(validate_batch(b), "");
	std::vector<Record> records;
	ASSERT_TRUE(decode_records(b, records));
	ASSERT_EQ(records.size(), 3u);
	EXPECT_EQ(records[2].timestamp, 1002);
	EXPECT_EQ(std::string(records[1].key->begin(), records[1].key->end()), "key-1");
	ASSERT_EQ(records[0].headers.size(), 1u);
	EXPECT_EQ(records[0].headers[0].first, "h");

	b[b.size() - 1] ^= 0x01;
	EXPECT_NE(validate_batch(b).find("CRC"), std::string::npos);
	// The base offset is outside the CRC: rewriting it keeps the batch valid.
	auto c = batch_of(1, 5);
	set_base_offset(c.data(), 12345);
	EXPECT_EQ(validate_batch(c), "");
	EXPECT_EQ(read_batch_header(c)->base_offset, 12345);
}

// A batch whose last offset delta disagrees with its record count would move
// the log end by offsets no record has: refused, and nothing is appended.
TEST(BrokerStorage, ProducedBatchMustSpanExactlyItsRecordCount) {
	TempDir dir;
	PartitionLog log(dir.path() / "t-0", LogConfig{});
	auto b = batch_of(1, 1000);
	kafkaml::broker::protocol::store_be32(b.data() + batch::kLastOffsetDelta, 0x7fffffff);
	kafkaml::broker::protocol::store_be32(b.data() + batch::kCrc,
	                                      crc32c(b.data() + batch::kAttributes, b.size() - batch::kAttributes));
	EXPECT_EQ(validate_batch(b), "") << "the batch itself is well-formed";
	auto result = log.append(b);
	EXPECT_EQ(result.error, 2); // CORRUPT_MESSAGE
	EXPECT_NE(result.message.find("last offset delta"), std::string::npos) << result.message;
	EXPECT_EQ(log.log_end_offset(), 0);
}

namespace {

//! Rewrites a batch's record count and last offset delta and fixes its CRC.
void claim_records(std::vector<uint8_t> &b, int32_t count) {
	kafkaml::broker::protocol::store_be32(b.data() + batch::kRecordCount, static_cast<uint32_t>(count));
	kafkaml::broker::protocol::store_be32(b.data() + batch::kLastOffsetDelta, static_cast<uint32_t>(count - 1));
	kafkaml::broker::protocol::store_be32(b.data() + batch::kCrc,
	                                      crc32c(b.data() + batch::kAttributes, b.size() - batch::kAttributes));
}

} // namespace

// The attack of a batch that claims 2^31 - 1 records (with the matching last
// offset delta) and holds one: accepted, it moved the log end by 2^31 and,
// past 2^32, wrapped the index's relative offsets so consumers skipped
// records. Refused as Kafka refuses it, and nothing is appended.
TEST(BrokerStorage, ABatchMustHoldTheRecordsItsHeaderClaims) {
	TempDir dir;
	PartitionLog log(dir.path() / "t-0", LogConfig{});
	auto lying = batch_of(1, 1000);
	claim_records(lying, 0x7fffffff);
	EXPECT_EQ(validate_batch(lying), "") << "well-formed but for the count";
	auto result = log.append(lying);
	EXPECT_EQ(result.error, 87); // INVALID_RECORD
	EXPECT_NE(result.message.find("claims 2147483647 records but holds 1"), std::string::npos) << result.message;
	EXPECT_EQ(log.log_end_offset(), 0);

	auto fewer = batch_of(3, 1000);
	claim_records(fewer, 2);
	result = log.append(fewer);
	EXPECT_EQ(result.error, 87);
	EXPECT_NE(result.message.find("more bytes after them"), std::string::npos) << result.message;
	EXPECT_EQ(log.log_end_offset(), 0);

	auto honest = batch_of(3, 1000);
	EXPECT_EQ(log.append(honest).error, 0);
	EXPECT_EQ(log.log_end_offset(), 3);
}

// A log an earlier version accepted a lying batch into: offsets jumped by
// 2^31. The segment rolls before a relative offset passes 32 bits, so a
// fetch from a committed offset still finds its record.
TEST(BrokerStorage, ASegmentRollsBeforeItsRelativeOffsetsOverflow) {
	TempDir dir;
	auto lying = batch_of(1, 1000);
	claim_records(lying, 0x7fffffff);
	fs::create_directories(dir.path() / "t-0");
	{
		std::ofstream out(dir.path() / "t-0" / "00000000000000000000.log", std::ios::binary);
		out.write(reinterpret_cast<const char *>(lying.data()), static_cast<std::streamsize>(lying.size()));
	}
	PartitionLog log(dir.path() / "t-0", LogConfig{});
	ASSERT_EQ(log.log_end_offset(), 0x7fffffff) << "recovery keeps what an earlier version accepted";
	auto first = batch_of(1, 2000, "first");
	ASSERT_EQ(log.append(first).error, 0); // offset 2^31 - 1: relative 2^31 - 1 still fits
	auto second = batch_of(2, 3000, "second");
	auto appended = log.append(second); // offsets 2^31 and 2^31 + 1: a new segment
	ASSERT_EQ(appended.error, 0) << appended.message;
	EXPECT_EQ(appended.base_offset, int64_t{0x80000000});
	EXPECT_EQ(log.segment_count(), 2u);
	std::vector<uint8_t> buf;
	ASSERT_TRUE(log.read(int64_t{0x80000001}, 1 << 20, buf));
	std::vector<std::span<const uint8_t>> batches;
	ASSERT_EQ(split_batches(buf, batches), "");
	std::vector<Record> records;
	ASSERT_TRUE(decode_records(batches.at(0), records));
	EXPECT_EQ(records.at(0).offset, int64_t{0x80000000});
	EXPECT_EQ(std::string(records.at(1).value->begin(), records.at(1).value->end()).rfind("second-1", 0), 0u);
}

TEST(BrokerStorage, AppendAssignsOffsetsAndReadsBackAcrossSegments) {
	TempDir dir;
	LogConfig config;
	config.segment_bytes = 4096;
	PartitionLog log(dir.path() / "t-0", config);
	for (int i = 0; i < 50; i++) {
		auto b = batch_of(5, 1000 + i * 10, "b" + std::to_string(i));
		auto res = log.append(b);
		ASSERT_EQ(res.error, 0) << res.message;
		EXPECT_EQ(res.base_offset, i * 5);
	}
	EXPECT_EQ(log.log_end_offset(), 250);
	EXPECT_GT(log.segment_count(), 3u);
	std::vector<uint8_t> buf;
	auto records = read_all(log, 0, buf);
	ASSERT_FALSE(records.empty());
	EXPECT_EQ(records.front().offset, 0);
	// Reading from the middle of a batch returns that whole batch.
	buf.clear();
	ASSERT_TRUE(log.read(123, 1, buf));
	auto h = read_batch_header(buf);
	ASSERT_TRUE(h);
	EXPECT_EQ(h->base_offset, 120);
	EXPECT_EQ(buf.size(), h->total_size());
	// Out of range.
	buf.clear();
	EXPECT_FALSE(log.read(251, 100, buf));
	// Timestamps: batch i has records at 1000+10i .. 1000+10i+4.
	auto match = log.offset_for_timestamp(1000 + 10 * 30 + 2);
	EXPECT_EQ(match.offset, 30 * 5 + 2);
	EXPECT_EQ(match.timestamp, 1000 + 10 * 30 + 2);
	match = log.offset_for_timestamp(0);
	EXPECT_EQ(match.offset, 0);
	EXPECT_EQ(match.timestamp, 1000) << "the found record's timestamp, not the one asked for";
	EXPECT_EQ(log.offset_for_timestamp(999999).offset, -1);
}

namespace {

//! The bytes a Fetch would send for `slice`.
std::vector<uint8_t> bytes_of(const FileRange &range) {
	std::vector<uint8_t> out(range.length());
	EXPECT_EQ(::pread(range.fd(), out.data(), out.size(), static_cast<off_t>(range.position())),
	          static_cast<ssize_t>(out.size()));
	return out;
}

} // namespace

TEST(BrokerStorage, SliceSendsTheSameWholeBatchesAsRead) {
	TempDir dir;
	LogConfig config;
	config.segment_bytes = 64 * 1024;
	PartitionLog log(dir.path() / "t-0", config);
	// Small batches (so the last whole one is found through the index and a
	// walk of headers) and a few larger than a fetch limit.
	for (int i = 0; i < 400; i++) {
		auto b = batch_of(i % 50 == 7 ? 40 : 1 + i % 3, 1000 + i, "b" + std::to_string(i));
		ASSERT_EQ(log.append(b).error, 0);
	}
	ASSERT_GT(log.segment_count(), 1u);
	for (int64_t offset : {0, 1, 37, 120, 357, 500, 799}) {
		for (size_t max_bytes : {1, 100, 1000, 4096, 5000, 20000, 70000}) {
			std::vector<uint8_t> read;
			ASSERT_TRUE(log.read(offset, max_bytes, read));
			auto slice = log.slice(offset, max_bytes);
			EXPECT_EQ(bytes_of(slice), read) << "offset " << offset << " max_bytes " << max_bytes;
			auto first = read_batch_header(read);
			ASSERT_TRUE(first);
			EXPECT_LE(first->base_offset, offset);
			EXPECT_GE(first->last_offset(), offset);
			// Whole batches, and the first even when it exceeds the limit.
			std::vector<std::span<const uint8_t>> batches;
			EXPECT_EQ(split_batches(read, batches), "");
			EXPECT_TRUE(read.size() <= max_bytes || batches.size() == 1);
		}
	}
	EXPECT_TRUE(log.slice(log.log_end_offset(), 1000).empty());
	EXPECT_TRUE(log.slice(log.log_end_offset() + 1, 1000).empty());
}

TEST(BrokerStorage, SliceStaysReadableAfterRetentionDeletesItsSegment) {
	TempDir dir;
	LogConfig config;
	config.segment_bytes = 2048;
	config.retention_bytes = 2048;
	PartitionLog log(dir.path() / "t-0", config);
	for (int i = 0; i < 40; i++) {
		auto b = batch_of(4, 1000);
		ASSERT_EQ(log.append(b).error, 0);
	}
	std::vector<uint8_t> expected;
	ASSERT_TRUE(log.read(0, 1500, expected));
	auto slice = log.slice(0, 1500);
	ASSERT_GT(log.enforce_retention(2000), 0);
	ASSERT_GT(log.log_start_offset(), 0);
	// A response queued before retention ran still sends what it promised.
	EXPECT_EQ(bytes_of(slice), expected);
}

TEST(BrokerStorage, ReopenRecoversAndTruncatesTornTail) {
	TempDir dir;
	LogConfig config;
	uint64_t good_size = 0;
	{
		PartitionLog log(dir.path() / "t-0", config);
		for (int i = 0; i < 10; i++) {
			auto b = batch_of(3, 1000);
			ASSERT_EQ(log.append(b).error, 0);
		}
		good_size = log.size_bytes();
	}
	auto log_file = dir.path() / "t-0" / "00000000000000000000.log";
	// A torn write: half a batch at the end.
	{
		auto b = batch_of(3, 2000);
		std::ofstream out(log_file, std::ios::app | std::ios::binary);
		out.write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size() / 2));
	}
	fs::remove(dir.path() / "t-0" / "00000000000000000000.index");
	{
		PartitionLog log(dir.path() / "t-0", config);
		EXPECT_EQ(log.log_end_offset(), 30);
		EXPECT_EQ(log.size_bytes(), good_size);
		EXPECT_EQ(fs::file_size(log_file), good_size);
		std::vector<uint8_t> buf;
		EXPECT_EQ(read_all(log, 0, buf).size(), 30u);
		auto b = batch_of(2, 3000);
		EXPECT_EQ(log.append(b).base_offset, 30);
	}
	// A whole batch with a flipped byte (bad CRC) is cut as well.
	{
		std::fstream f(log_file, std::ios::in | std::ios::out | std::ios::binary);
		f.seekp(static_cast<std::streamoff>(good_size + 70));
		f.put('\x7f');
	}
	PartitionLog log(dir.path() / "t-0", config);
	EXPECT_EQ(log.log_end_offset(), 30);
}

TEST(BrokerStorage, RetentionDeletesWholeOldSegments) {
	TempDir dir;
	LogConfig config;
	config.segment_bytes = 2048;
	config.retention_bytes = 4096;
	PartitionLog log(dir.path() / "t-0", config);
	for (int i = 0; i < 40; i++) {
		auto b = batch_of(4, 1000);
		ASSERT_EQ(log.append(b).error, 0);
	}
	size_t before = log.segment_count();
	EXPECT_GT(log.enforce_retention(2000), 0);
	EXPECT_LT(log.segment_count(), before);
	EXPECT_LE(log.size_bytes(), 4096u + 2048u);
	EXPECT_GT(log.log_start_offset(), 0);
	std::vector<uint8_t> buf;
	EXPECT_FALSE(log.read(0, 100, buf)); // deleted range is out of range now

	// By time: everything older than retention.ms, the active segment too
	// (rolled first), so the log is empty and starts where it ended.
	config.retention_bytes = -1;
	config.retention_ms = 1000;
	log.set_config(config);
	log.enforce_retention(1000 + 1000 + 10000);
	EXPECT_EQ(log.segment_count(), 1u);
	EXPECT_EQ(log.log_start_offset(), 160);
	EXPECT_EQ(log.log_end_offset(), 160);
	EXPECT_EQ(log.size_bytes(), 0u);
	EXPECT_EQ(log.enforce_retention(1000 + 1000 + 10000), 0) << "an empty active segment stays";
}

TEST(BrokerStorage, TimeRetentionExpiresATopicSmallerThanOneSegment) {
	TempDir dir;
	LogConfig config; // default segment.bytes: 1 GiB, never rolled by size here
	config.retention_ms = 1000;
	{
		PartitionLog log(dir.path() / "t-0", config);
		auto b = batch_of(5, 1000);
		ASSERT_EQ(log.append(b).error, 0);
		EXPECT_EQ(log.enforce_retention(1500), 0) << "records not yet older than retention.ms";
		EXPECT_EQ(log.enforce_retention(5000), 1);
		EXPECT_EQ(log.log_start_offset(), 5);
		auto next = batch_of(2, 5000);
		EXPECT_EQ(log.append(next).base_offset, 5);
	}
	PartitionLog reopened(dir.path() / "t-0", config);
	EXPECT_EQ(reopened.log_start_offset(), 5);
	EXPECT_EQ(reopened.log_end_offset(), 7);
}

TEST(BrokerStorage, IdempotentRetryIsNotAppendedTwice) {
	TempDir dir;
	PartitionLog log(dir.path() / "t-0", LogConfig{});
	std::vector<NewRecord> recs(3);
	for (auto &r : recs) {
		r.value = "v";
	}
	auto first = build_batch(0, 1, recs, 77, 0, 0);
	auto retry = first;
	auto next = build_batch(0, 1, recs, 77, 0, 3);
	auto gap = build_batch(0, 1, recs, 77, 0, 10);
	EXPECT_EQ(log.append(first).base_offset, 0);
	auto again = log.append(retry);
	EXPECT_EQ(again.error, 0);
	EXPECT_EQ(again.base_offset, 0);
	EXPECT_EQ(log.log_end_offset(), 3);
	EXPECT_EQ(log.append(next).base_offset, 3);
	EXPECT_EQ(log.append(gap).error, 45); // OUT_OF_ORDER_SEQUENCE_NUMBER
	EXPECT_EQ(log.log_end_offset(), 6);
}

TEST(BrokerStorage, IdempotentStateSurvivesReopen) {
	TempDir dir;
	std::vector<NewRecord> recs(3);
	for (auto &r : recs) {
		r.value = "v";
	}
	auto first = build_batch(0, 1, recs, 77, 2, 0);
	auto second = build_batch(0, 1, recs, 77, 2, 3);
	auto other = build_batch(0, 1, recs, 88, 0, 0);
	{
		// Small segments: the producer's batches end up in different files.
		LogConfig config;
		config.segment_bytes = 200;
		PartitionLog log(dir.path() / "t-0", config);
		auto a = first;
		auto b = other;
		auto c = second;
		ASSERT_EQ(log.append(a).base_offset, 0);
		ASSERT_EQ(log.append(b).base_offset, 3);
		ASSERT_EQ(log.append(c).base_offset, 6);
		ASSERT_GE(log.segment_count(), 2u);
	}
	PartitionLog log(dir.path() / "t-0", LogConfig{});
	// Retries of batches acknowledged before the restart: original offsets, nothing appended.
	auto retry_second = second;
	auto again = log.append(retry_second);
	EXPECT_EQ(again.error, 0);
	EXPECT_EQ(again.base_offset, 6);
	auto retry_first = first;
	EXPECT_EQ(log.append(retry_first).base_offset, 0);
	auto retry_other = other;
	EXPECT_EQ(log.append(retry_other).base_offset, 3);
	EXPECT_EQ(log.log_end_offset(), 9);
	// The sequence goes on where it stopped; a gap and an old epoch are refused.
	auto gap = build_batch(0, 1, recs, 77, 2, 9);
	EXPECT_EQ(log.append(gap).error, 45); // OUT_OF_ORDER_SEQUENCE_NUMBER
	auto old_epoch = build_batch(0, 1, recs, 77, 1, 6);
	EXPECT_EQ(log.append(old_epoch).error, 47); // INVALID_PRODUCER_EPOCH
	auto next = build_batch(0, 1, recs, 77, 2, 6);
	EXPECT_EQ(log.append(next).base_offset, 9);
	EXPECT_EQ(log.log_end_offset(), 12);
}

TEST(BrokerStorage, TopicsPersistWithConfigs) {
	TempDir dir;
	{
		LogManager logs(dir.path(), LogConfig{});
		int16_t error = 0;
		EXPECT_EQ(logs.create("orders", 3, {{"retention.ms", "5000"}, {"segment.bytes", "4096"}}, error), "");
		EXPECT_EQ(error, 0);
		logs.create("orders", 3, {}, error);
		EXPECT_EQ(error, 36);
		logs.create("bad/name", 1, {}, error);
		EXPECT_EQ(error, 17);
		logs.create("x", 1, {{"retention.ms", "soon"}}, error);
		EXPECT_EQ(error, 40);
		EXPECT_NE(logs.create("x", 1, {{"cleanup.policy", "compact"}}, error).find("not supported"), std::string::npos);
		EXPECT_EQ(error, 40);
		EXPECT_EQ(logs.create("x", 1, {{"retention.msec", "1"}}, error), "unknown topic config 'retention.msec'");
		EXPECT_EQ(error, 40);
		EXPECT_EQ(logs.find("x"), nullptr);
		EXPECT_EQ(logs.create("kept", 1, {{"cleanup.policy", "delete"}, {"max.message.bytes", "2097152"}}, error), "");
		EXPECT_EQ(error, 0);
		auto b = batch_of(2, 1);
		ASSERT_EQ(logs.partition("orders", 2)->append(b).error, 0);
	}
	LogManager logs(dir.path(), LogConfig{});
	auto *t = logs.find("orders");
	ASSERT_NE(t, nullptr);
	EXPECT_EQ(t->partitions.size(), 3u);
	EXPECT_EQ(t->config.retention_ms, 5000);
	EXPECT_EQ(t->config.segment_bytes, 4096);
	EXPECT_EQ(logs.partition("orders", 2)->log_end_offset(), 2);
	auto kept = logs.describe(*logs.find("kept"));
	EXPECT_EQ(kept["max.message.bytes"], "2097152") << "a config Kafka knows is kept and described";
	EXPECT_EQ(kept["cleanup.policy"], "delete");
	EXPECT_TRUE(logs.remove("orders"));
	EXPECT_FALSE(fs::exists(dir.path() / "orders-0"));
	EXPECT_EQ(logs.find("orders"), nullptr);
}

TEST(BrokerStorage, DeleteRecordsMovesTheStartDurablyAndDeletesSegmentsBelowIt) {
	TempDir dir;
	LogConfig config;
	config.segment_bytes = 2048;
	auto path = dir.path() / "t-0";
	std::vector<int64_t> bases;
	{
		PartitionLog log(path, config);
		for (int i = 0; i < 40; i++) {
			auto b = batch_of(4, 1000 + i);
			ASSERT_EQ(log.append(b).error, 0);
		}
		ASSERT_GT(log.segment_count(), 4u);
		for (const auto &entry : fs::directory_iterator(path)) {
			if (entry.path().extension() == ".log") {
				bases.push_back(std::stoll(entry.path().stem().string()));
			}
		}
		std::sort(bases.begin(), bases.end());
		size_t before = log.segment_count();

		// Past the high watermark: refused, nothing moves.
		auto past = log.delete_records(161);
		EXPECT_EQ(past.error, 1) << "OFFSET_OUT_OF_RANGE";
		EXPECT_EQ(past.low_watermark, 0);
		EXPECT_FALSE(fs::exists(path / "log-start-offset"));

		// Inside the third segment: the first two go, the third stays but
		// reads below the start are out of range.
		int64_t cut = bases[2] + 1;
		auto moved = log.delete_records(cut);
		ASSERT_EQ(moved.error, 0) << moved.message;
		EXPECT_EQ(moved.low_watermark, cut);
		EXPECT_EQ(log.log_start_offset(), cut);
		EXPECT_EQ(log.segment_count(), before - 2);
		EXPECT_FALSE(fs::exists(path / (Segment::file_stem(bases[0]) + ".log")));
		EXPECT_TRUE(fs::exists(path / (Segment::file_stem(bases[2]) + ".log")));
		std::vector<uint8_t> buf;
		EXPECT_FALSE(log.read(cut - 1, 100, buf));
		EXPECT_TRUE(log.read(cut, 100, buf));
		EXPECT_TRUE(log.slice(cut - 1, 100).empty());
		EXPECT_EQ(log.offset_for_timestamp(0).offset, cut) << "no timestamp lookup answers below the start";

		// Backwards changes nothing.
		auto back = log.delete_records(3);
		EXPECT_EQ(back.error, 0);
		EXPECT_EQ(back.low_watermark, cut);

		// Exactly at a segment's base: the segment before it goes, not that one.
		auto at_base = log.delete_records(bases[4]);
		ASSERT_EQ(at_base.error, 0);
		EXPECT_EQ(log.log_start_offset(), bases[4]);
		EXPECT_FALSE(fs::exists(path / (Segment::file_stem(bases[3]) + ".log")));
		EXPECT_TRUE(fs::exists(path / (Segment::file_stem(bases[4]) + ".log")));
	}
	// Reopened: the checkpoint holds the start.
	{
		PartitionLog log(path, config);
		EXPECT_EQ(log.log_start_offset(), bases[4]);
		EXPECT_EQ(log.log_end_offset(), 160);
		// -1: everything up to the high watermark, the active segment too.
		auto all = log.delete_records(-1);
		ASSERT_EQ(all.error, 0);
		EXPECT_EQ(all.low_watermark, 160);
		EXPECT_EQ(log.segment_count(), 1u);
		EXPECT_EQ(log.size_bytes(), 0u);
		auto b = batch_of(2, 5000);
		EXPECT_EQ(log.append(b).base_offset, 160);
	}
	PartitionLog log(path, config);
	EXPECT_EQ(log.log_start_offset(), 160);
	EXPECT_EQ(log.log_end_offset(), 162);
}

TEST(BrokerStorage, ACheckpointWrittenBeforeACrashFinishesTheDeletionOnOpen) {
	// A crash after the start offset was made durable but before the old
	// segments were deleted: the next open deletes them.
	TempDir dir;
	LogConfig config;
	config.segment_bytes = 2048;
	auto path = dir.path() / "t-0";
	size_t before = 0;
	{
		PartitionLog log(path, config);
		for (int i = 0; i < 40; i++) {
			auto b = batch_of(4, 1000 + i);
			ASSERT_EQ(log.append(b).error, 0);
		}
		before = log.segment_count();
	}
	{
		std::ofstream out(path / "log-start-offset");
		out << 100 << "\n";
	}
	PartitionLog log(path, config);
	EXPECT_EQ(log.log_start_offset(), 100);
	EXPECT_LT(log.segment_count(), before);
	std::vector<uint8_t> buf;
	EXPECT_FALSE(log.read(99, 100, buf));
	auto records = read_all(log, 100, buf);
	ASSERT_FALSE(records.empty());
	EXPECT_LE(records.front().offset, 100) << "the batch holding offset 100 is whole";
	EXPECT_GE(records.back().offset, 100);
	EXPECT_EQ(log.log_end_offset(), 160);
}

TEST(BrokerStorage, RetentionGoesOnAfterDeleteRecords) {
	TempDir dir;
	LogConfig config;
	config.segment_bytes = 2048;
	PartitionLog log(dir.path() / "t-0", config);
	for (int i = 0; i < 40; i++) {
		auto b = batch_of(4, 1000 + i);
		ASSERT_EQ(log.append(b).error, 0);
	}
	ASSERT_EQ(log.delete_records(10).error, 0);
	EXPECT_EQ(log.log_start_offset(), 10);
	// retention.bytes deletes further whole segments: the start follows the
	// first segment left, past the DeleteRecords start.
	config.retention_bytes = 4096;
	log.set_config(config);
	EXPECT_GT(log.enforce_retention(2000), 0);
	EXPECT_GT(log.log_start_offset(), 10);
	// retention.ms expires everything; the log then starts at its end.
	config.retention_bytes = -1;
	config.retention_ms = 1000;
	log.set_config(config);
	log.enforce_retention(100000);
	EXPECT_EQ(log.log_start_offset(), 160);
	EXPECT_EQ(log.log_end_offset(), 160);
	// And DeleteRecords below that start changes nothing.
	EXPECT_EQ(log.delete_records(50).low_watermark, 160);
}
