#include "workers/inference_job.h"

#include "ml/spec/parse.h"
#include "stream/memory_log.h"
#include "stream/stream_error.h"
#include "workers/tests/hcopd_like.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kafkaml::workers {
namespace {

class InferenceJobTest : public ::testing::Test {
protected:
	InferenceJobTest()
	    : model(ml::Model::build(ml::parse_model_definition(testing::kHcopdModel), 1)),
	      decoder(formats::MessageDecoder::from_config(
	          "RAW", {{"data_type", "float32"}, {"data_reshape", "3"}})) {}

	//! `count` inputs with a header each; returns their offsets.
	std::vector<int64_t> send_inputs(int count) {
		std::vector<int64_t> offsets;
		for (int i = 0; i < count; ++i) {
			stream::Record record;
			record.topic = "in";
			record.value = testing::float_bytes({1.0f, 0.1f * i, -0.5f});
			record.headers = {{"trace", "t" + std::to_string(i)}};
			offsets.push_back(log.append(std::move(record)));
		}
		return offsets;
	}

	InferenceJobConfig config() {
		InferenceJobConfig c;
		c.output_topic = "out";
		c.dead_letter_topic = "out.dlq";
		c.max_batch = 64;
		c.poll_timeout = std::chrono::milliseconds(1);
		c.commit_interval = std::chrono::milliseconds(0);
		return c;
	}

	ml::Model model;
	formats::MessageDecoder decoder;
	stream::MemoryLog log;
};

TEST_F(InferenceJobTest, EveryInputGetsOnePredictionWithItsHeadersAndIsCommitted) {
	send_inputs(150);
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJob job(model, decoder, source, sink, config());
	int polls = 0;
	job.run([&] { return ++polls > 10; });

	auto outputs = log.read("out", 0, 0, 1000);
	ASSERT_EQ(outputs.size(), 150u);
	ml::Array input{{150, 3}, {}};
	for (int i = 0; i < 150; ++i) {
		input.data.insert(input.data.end(), {1.0f, 0.1f * i, -0.5f});
	}
	auto expected = model.predict(input);
	for (size_t i = 0; i < outputs.size(); ++i) {
		auto json = nlohmann::json::parse(outputs[i].value);
		ASSERT_EQ(json["values"].size(), 2u);
		EXPECT_FLOAT_EQ(json["values"][0].get<float>(), expected.data[i * 2]);
		EXPECT_FLOAT_EQ(json["values"][1].get<float>(), expected.data[i * 2 + 1]);
		ASSERT_EQ(outputs[i].headers.size(), 1u);
		EXPECT_EQ(outputs[i].headers[0].value, "t" + std::to_string(i));
	}
	EXPECT_EQ(log.committed("in", 0), 150);
	EXPECT_EQ(job.counters().predicted.load(), 150u);
}

TEST_F(InferenceJobTest, UndecodableInputGoesToDeadLetterTopicAndTheReplicaGoesOn) {
	send_inputs(10);
	stream::Record bad;
	bad.topic = "in";
	bad.value = "abc"; // 3 bytes: not float32 x 3
	bad.headers = {{"trace", "bad"}};
	auto bad_offset = log.append(bad);
	send_inputs(10);
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJob job(model, decoder, source, sink, config());
	int polls = 0;
	job.run([&] { return ++polls > 10; });

	EXPECT_EQ(log.read("out", 0, 0, 100).size(), 20u);
	auto dead = log.read("out.dlq", 0, 0, 100);
	ASSERT_EQ(dead.size(), 1u);
	EXPECT_EQ(dead[0].value, "abc");
	std::map<std::string, std::string> headers;
	for (const auto &h : dead[0].headers) {
		headers[h.key] = h.value.value_or("");
	}
	EXPECT_EQ(headers["trace"], "bad");
	EXPECT_NE(headers[kErrorHeader].find(std::to_string(bad_offset)), std::string::npos) << headers[kErrorHeader];
	EXPECT_EQ(headers[kSourceHeader], "in/0@" + std::to_string(bad_offset));
	EXPECT_EQ(log.committed("in", 0), 21);
}

TEST_F(InferenceJobTest, FailedDeliveryIsNeverCommittedPast) {
	send_inputs(20);
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJobConfig c = config();
	c.max_batch = 5;
	InferenceJob job(model, decoder, source, sink, c);
	std::vector<stream::Record> records;
	source.poll_batch(records, 5, std::chrono::milliseconds(1));
	job.process(records);
	sink.poll(std::chrono::milliseconds(0));
	sink.fail_next(1);
	EXPECT_THROW(job.run([] { return false; }), stream::StreamError);
	// The first batch was acknowledged; the record whose output failed
	// (offset 5) and everything after it stay uncommitted.
	EXPECT_EQ(log.committed("in", 0), 5);
}

TEST(FormatPrediction, ShortestExactFloatsAndNullForNonFinite) {
	std::string out;
	float values[] = {0.25f, 1.0f / 3.0f, std::numeric_limits<float>::quiet_NaN()};
	format_prediction(values, 3, out);
	auto json = nlohmann::json::parse(out);
	EXPECT_EQ(json["values"][0].get<float>(), 0.25f);
	EXPECT_EQ(json["values"][1].get<float>(), 1.0f / 3.0f);
	EXPECT_TRUE(json["values"][2].is_null());
}

} // namespace
} // namespace kafkaml::workers
