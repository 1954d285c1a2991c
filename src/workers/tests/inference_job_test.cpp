#include "workers/inference_job.h"

#include "ml/spec/parse.h"
#include "stream/memory_log.h"
#include "stream/stream_error.h"
#include "workers/tests/hcopd_like.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>

namespace kafkaml::workers {
namespace {

class InferenceJobTest : public ::testing::Test {
protected:
	InferenceJobTest()
	    : model(ml::Model::build(ml::parse_model_definition(testing::kHcopdModel), 1)),
	      decoder(formats::MessageDecoder::from_config("RAW", {{"data_type", "float32"}, {"data_reshape", "3"}})) {}

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

std::map<std::string, std::string> header_map(const stream::Record &record) {
	std::map<std::string, std::string> headers;
	for (const auto &h : record.headers) {
		headers[h.key] = h.value.value_or("");
	}
	return headers;
}

TEST_F(InferenceJobTest, AnInputTooLargeForTheDeadLetterTopicGoesThereCut) {
	// A 1,000,000-byte input once aborted the replica (its dead letter was
	// too large to produce), on every restart.
	send_inputs(3);
	stream::Record huge;
	huge.topic = "in";
	huge.key = std::string(1000, 'k');
	huge.value = std::string(1'000'000, 'x');
	huge.headers = {{"trace", "huge"}};
	auto huge_offset = log.append(huge);
	send_inputs(3);
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	sink.set_max_record_size(100'000);
	InferenceJob job(model, decoder, source, sink, config());
	int polls = 0;
	job.run([&] { return ++polls > 10; });

	EXPECT_EQ(log.read("out", 0, 0, 100).size(), 6u);
	auto dead = log.read("out.dlq", 0, 0, 100);
	ASSERT_EQ(dead.size(), 1u);
	auto headers = header_map(dead[0]);
	EXPECT_NE(headers[kErrorHeader].find("offset " + std::to_string(huge_offset)), std::string::npos)
	    << headers[kErrorHeader];
	EXPECT_EQ(headers[kSourceHeader], "in/0@" + std::to_string(huge_offset));
	EXPECT_NE(headers[kTruncatedHeader].find("of 1000000 bytes kept"), std::string::npos) << headers[kTruncatedHeader];
	EXPECT_FALSE(dead[0].key) << "the key goes; kafkaml.source says where the input is";
	size_t size = dead[0].value.size();
	for (const auto &header : dead[0].headers) {
		size += header.key.size() + header.value.value_or("").size();
	}
	EXPECT_LE(size, 100'000u);
	EXPECT_GT(dead[0].value.size(), 99'000u) << "as much of the value as fits is kept";
	EXPECT_EQ(log.committed("in", 0), 7);
	EXPECT_EQ(job.counters().skipped.load(), 0u);
}

TEST_F(InferenceJobTest, OutputsTheClusterRefusesForTheirSizeDoNotStopTheReplica) {
	// The cluster's limit is below the producer's: records are accepted
	// locally and refused at delivery. A prediction refused so becomes a
	// small dead letter saying why; a dead letter refused so is skipped.
	send_inputs(4);
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	sink.set_max_record_size(10, true); // every prediction is larger
	InferenceJob job(model, decoder, source, sink, config());
	int polls = 0;
	job.run([&] { return ++polls > 10; });
	EXPECT_EQ(log.read("out", 0, 0, 100).size(), 0u);
	// The small dead letters (no value, two headers) are above 10 bytes too:
	// each input ends skipped, logged and counted, and committed.
	EXPECT_EQ(job.counters().skipped.load(), 4u);
	EXPECT_EQ(log.committed("in", 0), 4);

	// Predictions carry their input's headers; the small dead letter does not.
	stream::MemoryLog roomy;
	for (int i = 0; i < 2; i++) {
		stream::Record record;
		record.topic = "in";
		record.value = testing::float_bytes({1.0f, 0.0f, 0.5f});
		record.headers = {{"trace", std::string(400, 't')}};
		roomy.append(std::move(record));
	}
	stream::MemoryTopicSource roomy_source(roomy, "in", {0});
	stream::MemorySink roomy_sink(roomy);
	roomy_sink.set_max_record_size(400, true); // a dead letter fits, a prediction with its headers does not
	InferenceJob second(model, decoder, roomy_source, roomy_sink, config());
	polls = 0;
	second.run([&] { return ++polls > 10; });
	auto dead = roomy.read("out.dlq", 0, 0, 100);
	ASSERT_EQ(dead.size(), 2u);
	EXPECT_NE(header_map(dead[0])[kErrorHeader].find("refused by the cluster for its size"), std::string::npos);
	EXPECT_EQ(header_map(dead[0])[kSourceHeader], "in/0@0");
	EXPECT_EQ(roomy.committed("in", 0), 2);
	EXPECT_EQ(second.counters().skipped.load(), 0u);
}

TEST_F(InferenceJobTest, AnInputOfAnotherWidthIsDeadLetteredAloneWithTheRightShapes) {
	// JSON inputs carry their own width: one of 4 values among inputs of 3
	// once failed its whole batch, and said "(None, 3) but the model expects
	// (None, 3)".
	auto json_decoder = formats::MessageDecoder::from_config("JSON", nlohmann::json::object());
	for (const char *value : {"[1, 0.5, -0.5, 2]", "[1, 0.5, -0.5]", "[0, 0, 1]"}) {
		stream::Record record;
		record.topic = "in";
		record.value = value;
		log.append(std::move(record));
	}
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJob job(model, json_decoder, source, sink, config());
	int polls = 0;
	job.run([&] { return ++polls > 10; });
	EXPECT_EQ(log.read("out", 0, 0, 100).size(), 2u);
	auto dead = log.read("out.dlq", 0, 0, 100);
	ASSERT_EQ(dead.size(), 1u);
	auto error = header_map(dead[0])[kErrorHeader];
	EXPECT_NE(error.find("has 4 values; the model takes 3 per input"), std::string::npos) << error;
	EXPECT_EQ(log.committed("in", 0), 3);
}

TEST_F(InferenceJobTest, InputsAreCommittedAsTheirOutputsAreAcknowledged) {
	// Commits follow acknowledgements within the commit interval, while the
	// replica runs: one killed now leaves the next only what was in flight.
	send_inputs(10);
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJobConfig c = config();
	c.commit_interval = InferenceJobConfig{}.commit_interval;
	c.poll_timeout = std::chrono::milliseconds(100); // an idle replica's wait: the commit must not wait for it
	InferenceJob job(model, decoder, source, sink, c);
	auto started = std::chrono::steady_clock::now();
	std::optional<std::chrono::steady_clock::duration> committed_after;
	job.run([&] {
		if (log.committed("in", 0) == 10) {
			committed_after = std::chrono::steady_clock::now() - started;
			return true;
		}
		return std::chrono::steady_clock::now() - started > std::chrono::seconds(5);
	});
	ASSERT_TRUE(committed_after) << "not committed while running";
	EXPECT_LT(*committed_after, c.commit_interval + std::chrono::milliseconds(50));
}

// A rebalance taking the partition away: what was answered is committed
// before the partition goes, however long the periodic commit still waits.
TEST_F(InferenceJobTest, ARevokedPartitionCommitsWhatWasAnsweredOnItsWayOut) {
	send_inputs(10);
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJobConfig c = config();
	c.commit_interval = std::chrono::hours(1);
	InferenceJob job(model, decoder, source, sink, c);
	std::vector<stream::Record> records;
	source.poll_batch(records, 100, std::chrono::milliseconds(0));
	ASSERT_EQ(records.size(), 10u);
	job.process(records);
	EXPECT_FALSE(log.committed("in", 0)) << "no commit due yet";
	job.release_partition("in", 0);
	EXPECT_EQ(log.committed("in", 0), 10);
	EXPECT_EQ(log.read("out", 0, 0, 100).size(), 10u);
}

// A graph with two inputs and two outputs: an input record holds the
// inputs' values one after the other, its prediction the outputs'.
TEST_F(InferenceJobTest, AGraphModelTakesItsInputsFromOneRecordAndAnswersAllItsOutputs) {
	auto graph = ml::Model::build(ml::parse_model_definition(R"(from tensorflow import keras
from tensorflow.keras import layers
a = keras.Input(shape=(1,))
b = keras.Input(shape=(2,))
h = layers.Concatenate()([layers.Dense(3)(a), layers.Dense(3)(b)])
model = keras.Model([a, b], [layers.Dense(2, activation="softmax")(h), layers.Dense(1)(h)])
)"),
	                              1);
	send_inputs(5);
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJob job(graph, decoder, source, sink, config());
	int polls = 0;
	job.run([&] { return ++polls > 5; });
	auto outputs = log.read("out", 0, 0, 100);
	ASSERT_EQ(outputs.size(), 5u);
	for (size_t i = 0; i < outputs.size(); ++i) {
		auto expected = graph.predict(ml::Array{{1, 3}, {1.0f, 0.1f * static_cast<float>(i), -0.5f}});
		auto values = nlohmann::json::parse(outputs[i].value)["values"];
		ASSERT_EQ(values.size(), 3u);
		for (size_t v = 0; v < 3; ++v) {
			EXPECT_FLOAT_EQ(values[v].get<float>(), expected.data[v]);
		}
	}
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
