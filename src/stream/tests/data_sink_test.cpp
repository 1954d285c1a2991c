#include "formats/format_error.h"
#include "formats/message_decoder.h"
#include "stream/data_sink.h"
#include "stream/memory_log.h"
#include "stream/stream_error.h"

#include <gtest/gtest.h>

using namespace kafkaml;
using namespace kafkaml::stream;

namespace {

DataSinkOptions options(std::vector<int32_t> partitions) {
	DataSinkOptions o;
	o.topic = "data";
	o.deployment_id = 3;
	o.validation_rate = 0.25;
	o.description = "unit";
	o.partitions = std::move(partitions);
	return o;
}

} // namespace

TEST(RawSink, SendsRowsThenAControlMessageNamingTheirRanges) {
	MemoryLog log;
	RawSink sink(options({0, 1}), formats::DType::Float32, formats::parse_shape("2"), formats::DType::UInt8, {},
	             std::make_unique<MemorySink>(log));
	for (int i = 0; i < 5; i++) {
		float row[2] = {static_cast<float>(i), 0.5f};
		float label = static_cast<float>(i % 2);
		sink.send(row, std::span<const float>(&label, 1));
	}
	auto control = sink.send_control();
	EXPECT_EQ(formats::format_range_list(control.ranges), "data:0:0:3,data:1:0:2");
	EXPECT_EQ(control.total_msg, 5);
	auto records = log.read("control", 0, 0, 10);
	ASSERT_EQ(records.size(), 1u);
	EXPECT_EQ(*records[0].key, std::string("\x03", 1));
	auto decoded = formats::decode_control_message(records[0].key, records[0].value);
	EXPECT_EQ(decoded.ranges, control.ranges);
	EXPECT_DOUBLE_EQ(decoded.validation_rate, 0.25);

	// The stream decodes back with the control message's own config.
	auto decoder = formats::MessageDecoder::from_config(decoded.input_format, decoded.input_config);
	MemoryRangeReader reader(log, decoded.ranges);
	std::vector<Record> batch;
	while (reader.poll_batch(batch, 100, std::chrono::milliseconds(0))) {
	}
	formats::Batch rows;
	for (const auto &record : batch) {
		decoder.decode(record.view(), rows, true);
	}
	EXPECT_EQ(rows.rows, 5u);
	EXPECT_EQ(rows.features, (std::vector<float>{0, 0.5f, 2, 0.5f, 4, 0.5f, 1, 0.5f, 3, 0.5f}));
	EXPECT_EQ(rows.labels, (std::vector<float>{0, 0, 0, 1, 1}));
}

TEST(AvroSink, EncodesDatumsOfTheSchemas) {
	MemoryLog log;
	auto data = formats::AvroSchema::parse(R"({"type":"record","name":"D","fields":[{"name":"x","type":"float"}]})");
	auto label = formats::AvroSchema::parse(R"({"type":"record","name":"L","fields":[{"name":"y","type":"boolean"}]})");
	AvroSink sink(options({}), data, label, std::make_unique<MemorySink>(log));
	float x = 2.5f, y = 1;
	sink.send(std::span<const float>(&x, 1), std::span<const float>(&y, 1));
	auto control = sink.send_control();
	EXPECT_EQ(formats::format_range_list(control.ranges), "data:0:0:1");
	auto decoder = formats::MessageDecoder::from_config("AVRO", control.input_config);
	formats::Batch rows;
	decoder.decode(log.read("data", 0, 0, 1)[0].view(), rows, true);
	EXPECT_EQ(rows.features, (std::vector<float>{2.5f}));
	EXPECT_EQ(rows.labels, (std::vector<float>{1}));
}

TEST(DataSink, AFailedDeliveryEndsTheStream) {
	MemoryLog log;
	auto memory = std::make_unique<MemorySink>(log);
	memory->fail_next(1);
	RawSink sink(options({}), formats::DType::Float32, {}, formats::DType::Float32, {}, std::move(memory));
	float v = 1;
	sink.send(std::span<const float>(&v, 1));
	EXPECT_THROW(sink.send_control(), StreamError);
	EXPECT_TRUE(log.read("control", 0, 0, 1).empty());
}

TEST(RawSink, RefusesRowsThatDoNotMatchTheDeclaredReshape) {
	MemoryLog log;
	RawSink sink(options({}), formats::DType::Float32, formats::parse_shape("2 2"), formats::DType::UInt8,
	             formats::parse_shape("1"), std::make_unique<MemorySink>(log));
	const float row[5] = {1, 2, 3, 4, 5};
	const float label[2] = {1, 0};
	try {
		sink.send(std::span<const float>(row, 3), std::span<const float>(label, 1));
		FAIL() << "no error";
	} catch (const StreamError &e) {
		EXPECT_NE(std::string(e.what()).find("data of 3 values does not match its data_reshape '2 2' (4 values)"),
		          std::string::npos)
		    << e.what();
	}
	EXPECT_THROW(sink.send(std::span<const float>(row, 4), std::span<const float>(label, 2)), StreamError);
	sink.send(std::span<const float>(row, 4), std::span<const float>(label, 1));
	EXPECT_EQ(sink.send_control().total_msg, 1); // only the row that fits was sent
}

TEST(RawSink, AStringMessageIsOneValue) {
	MemoryLog log;
	RawSink sink(options({}), formats::DType::String, {}, formats::DType::String, {},
	             std::make_unique<MemorySink>(log));
	const float row[2] = {1, 2};
	EXPECT_THROW(sink.send(std::span<const float>(row, 2)), formats::FormatError);
	sink.send(std::span<const float>(row, 1), std::span<const float>(row + 1, 1));
	auto records = log.read("data", 0, 0, 10);
	ASSERT_EQ(records.size(), 1u);
	EXPECT_EQ(records[0].value, "1");
	EXPECT_EQ(*records[0].key, "2");
}

TEST(AvroSink, RefusesAnEnumIndexOutsideItsSymbols) {
	MemoryLog log;
	auto data = formats::AvroSchema::parse(R"({"type":"record","name":"D","fields":[{"name":"x","type":"float"}]})");
	auto label = formats::AvroSchema::parse(
	    R"({"type":"record","name":"L","fields":[{"name":"y","type":{"type":"enum","name":"Y","symbols":["A","B"]}}]})");
	AvroSink sink(options({}), data, label, std::make_unique<MemorySink>(log));
	float x = 1, y = 2;
	EXPECT_THROW(sink.send(std::span<const float>(&x, 1), std::span<const float>(&y, 1)), formats::FormatError);
	EXPECT_TRUE(log.read("data", 0, 0, 1).empty());
}
