// Stage replicas of an early-exit inference (InferenceJob's stage mode) on
// the in-memory log, with a fake two-stage model whose confidence is chosen
// by the input: the threshold decision, forwards with the input's key and
// headers, the last stage answering everything, the exit header, and
// commits only after acknowledgement.

#include "formats/format_error.h"
#include "stream/memory_log.h"
#include "stream/stream_error.h"
#include "workers/carry_format.h"
#include "workers/inference_job.h"
#include "workers/tests/hcopd_like.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

namespace kafkaml::workers {
namespace {

// Stage 0 takes (c, x) and answers (c, 1 - c): its confidence is max(c,
// 1 - c). Its carry is (c, x, 42). Stage 1 takes the carry and answers
// (x, 1 - x), so which exit answered shows in the values too.
class FakeStages final : public StageModel {
public:
	size_t stage_count() const override { return 2; }
	ml::Shape stage_input_shape(size_t stage) const override { return stage == 0 ? ml::Shape{2} : ml::Shape{3}; }
	StageResult run_stage(size_t stage, const ml::Array &input) override {
		++calls[stage];
		auto width = static_cast<size_t>(input.row_size());
		if (width != (stage == 0 ? 2u : 3u)) {
			throw std::invalid_argument("wrong width");
		}
		StageResult result;
		auto rows = input.rows();
		result.exit.shape = {rows, 2};
		if (stage == 0) {
			result.carry.shape = {rows, 3};
		}
		for (int64_t r = 0; r < rows; ++r) {
			const float *in = &input.data[r * width];
			float p = stage == 0 ? in[0] : in[1];
			result.exit.data.insert(result.exit.data.end(), {p, 1 - p});
			if (stage == 0) {
				result.carry.data.insert(result.carry.data.end(), {in[0], in[1], 42.0f});
			}
		}
		return result;
	}
	std::map<size_t, int> calls;
};

std::map<std::string, std::string> headers_of(const stream::Record &record) {
	std::map<std::string, std::string> headers;
	for (const auto &h : record.headers) {
		headers[h.key] = h.value.value_or("");
	}
	return headers;
}

class StageJobTest : public ::testing::Test {
protected:
	StageJobTest()
	    : decoder(formats::MessageDecoder::from_config("RAW", {{"data_type", "float32"}, {"data_reshape", "2"}})) {}

	//! One input per value of c, keyed "k<i>" with header trace=t<i>; x is i.
	void send_inputs(const std::vector<float> &confidences) {
		for (size_t i = 0; i < confidences.size(); ++i) {
			stream::Record record;
			record.topic = "in";
			record.key = "k" + std::to_string(i);
			record.value = testing::float_bytes({confidences[i], float(i) / 100});
			record.headers = {{"trace", "t" + std::to_string(i)}};
			log.append(std::move(record));
		}
	}

	InferenceJobConfig config(size_t stage) {
		InferenceJobConfig c;
		c.output_topic = "out";
		c.dead_letter_topic = stage == 0 ? "in-dead-letter" : "out-stage-1-dead-letter";
		c.max_batch = 64;
		c.poll_timeout = std::chrono::milliseconds(1);
		c.commit_interval = std::chrono::milliseconds(0);
		c.stage = stage;
		c.next_topic = stage == 0 ? "out-stage-1" : "";
		c.threshold = 0.9;
		return c;
	}

	void run(InferenceJob &job) {
		int polls = 0;
		job.run([&] { return ++polls > 10; });
	}

	FakeStages stages;
	formats::MessageDecoder decoder;
	stream::MemoryLog log;
};

TEST_F(StageJobTest, ConfidentInputsAnswerAtTheExitAndTheOthersAreForwardedWithKeyAndHeaders) {
	// Confidences 0.95, 0.6, 0.7 (c = 0.3), 0.99, 0.9 (c = 0.1: reaches 0.9
	// in float32, as compared).
	send_inputs({0.95f, 0.6f, 0.3f, 0.99f, 0.1f});
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJob job(stages, &decoder, source, sink, config(0));
	run(job);

	auto answers = log.read("out", 0, 0, 100);
	ASSERT_EQ(answers.size(), 3u);
	std::vector<std::string> answered_keys;
	for (const auto &answer : answers) {
		auto headers = headers_of(answer);
		EXPECT_EQ(headers[kExitHeader], "0");
		EXPECT_EQ(headers["trace"], "t" + answer.key->substr(1));
		EXPECT_EQ(headers.count(kModelVersionHeader), 0u); // a trained model: no version
		answered_keys.push_back(*answer.key);
	}
	EXPECT_EQ(answered_keys, (std::vector<std::string>{"k0", "k3", "k4"}));
	auto first = nlohmann::json::parse(answers[0].value);
	EXPECT_FLOAT_EQ(first["values"][0].get<float>(), 0.95f);

	auto forwards = log.read("out-stage-1", 0, 0, 100);
	ASSERT_EQ(forwards.size(), 2u);
	EXPECT_EQ(*forwards[0].key, "k1");
	EXPECT_EQ(*forwards[1].key, "k2");
	for (const auto &forward : forwards) {
		// The input's headers only: the exit header is for answers.
		EXPECT_EQ(forward.headers, (std::vector<stream::Header>{{"trace", "t" + forward.key->substr(1)}}));
	}
	std::vector<float> carry;
	decode_carry(forwards[1].value, 3, carry);
	EXPECT_EQ(carry, (std::vector<float>{0.3f, 0.02f, 42.0f}));

	EXPECT_EQ(log.committed("in", 0), 5);
	EXPECT_EQ(job.counters().predicted.load(), 3u);
	EXPECT_EQ(job.counters().forwarded.load(), 2u);
}

TEST_F(StageJobTest, TheLastStageAnswersEveryCarryWithItsExitIndex) {
	// What stage 0 forwards is what stage 1 reads: the chain end to end.
	send_inputs({0.95f, 0.6f, 0.3f, 0.5f});
	stream::MemoryTopicSource source0(log, "in", {0});
	stream::MemorySink sink0(log);
	InferenceJob stage0(stages, &decoder, source0, sink0, config(0));
	run(stage0);
	stream::MemoryTopicSource source1(log, "out-stage-1", {0});
	stream::MemorySink sink1(log);
	auto c1 = config(1);
	c1.threshold = 2.0; // ignored on the last stage
	InferenceJob stage1(stages, nullptr, source1, sink1, c1);
	run(stage1);

	auto answers = log.read("out", 0, 0, 100);
	ASSERT_EQ(answers.size(), 4u);
	std::map<std::string, std::string> exit_of;
	for (const auto &answer : answers) {
		auto headers = headers_of(answer);
		EXPECT_EQ(headers["trace"], "t" + answer.key->substr(1));
		EXPECT_TRUE(exit_of.emplace(*answer.key, headers[kExitHeader]).second) << "answered twice: " << *answer.key;
		if (headers[kExitHeader] == "1") {
			// Stage 1 answers (x, 1 - x) of the carry: x = i / 100.
			auto values = nlohmann::json::parse(answer.value)["values"];
			EXPECT_FLOAT_EQ(values[0].get<float>(), std::stof(answer.key->substr(1)) / 100);
		}
	}
	EXPECT_EQ(exit_of, (std::map<std::string, std::string>{{"k0", "0"}, {"k1", "1"}, {"k2", "1"}, {"k3", "1"}}));
	EXPECT_EQ(log.committed("out-stage-1", 0), 3);
	EXPECT_EQ(stage1.counters().predicted.load(), 3u);
	EXPECT_EQ(stage1.counters().forwarded.load(), 0u);
}

TEST_F(StageJobTest, ACarryOfAnotherShapeIsADeadLetterAndTheStageGoesOn) {
	std::string good;
	std::vector<float> values{0.1f, 0.2f, 0.3f};
	encode_carry(values.data(), {3}, good);
	std::string wide;
	std::vector<float> four{1, 2, 3, 4};
	encode_carry(four.data(), {2, 2}, wide);
	for (const auto &value : {good, wide, std::string("\x01\x02\x03"), good}) {
		stream::Record record;
		record.topic = "out-stage-1";
		record.value = value;
		log.append(std::move(record));
	}
	stream::MemoryTopicSource source(log, "out-stage-1", {0});
	stream::MemorySink sink(log);
	InferenceJob job(stages, nullptr, source, sink, config(1));
	run(job);

	EXPECT_EQ(log.read("out", 0, 0, 100).size(), 2u);
	auto dead = log.read("out-stage-1-dead-letter", 0, 0, 100);
	ASSERT_EQ(dead.size(), 2u);
	EXPECT_NE(headers_of(dead[0])[kErrorHeader].find("4 values; this stage takes 3"), std::string::npos)
	    << headers_of(dead[0])[kErrorHeader];
	EXPECT_NE(headers_of(dead[1])[kErrorHeader].find("not a carry message"), std::string::npos);
	EXPECT_EQ(log.committed("out-stage-1", 0), 4);
}

TEST_F(StageJobTest, ANewThresholdDecidesFromTheNextBatchOn) {
	send_inputs({0.8f, 0.8f});
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJob job(stages, &decoder, source, sink, config(0));
	std::vector<stream::Record> records;
	source.poll_batch(records, 64, std::chrono::milliseconds(1));
	job.process(records);
	EXPECT_EQ(log.read("out-stage-1", 0, 0, 100).size(), 2u); // 0.8 < 0.9

	job.set_threshold(0.75);
	send_inputs({0.8f, 0.8f});
	records.clear();
	source.poll_batch(records, 64, std::chrono::milliseconds(1));
	job.process(records);
	EXPECT_EQ(log.read("out", 0, 0, 100).size(), 2u);
	EXPECT_EQ(log.read("out-stage-1", 0, 0, 100).size(), 2u);
}

TEST_F(StageJobTest, AForwardThatFailsIsNeverCommittedPast) {
	send_inputs({0.95f, 0.95f, 0.5f, 0.95f});
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	stream::MemorySink next_cluster(log);
	auto c = config(0);
	c.max_batch = 2;
	InferenceJob job(stages, &decoder, source, sink, c);
	job.forward_to(next_cluster);
	std::vector<stream::Record> records;
	source.poll_batch(records, 2, std::chrono::milliseconds(1));
	job.process(records);
	sink.poll(std::chrono::milliseconds(0));
	next_cluster.fail_next(1);
	EXPECT_THROW(job.run([] { return false; }), stream::StreamError);
	// Inputs 0 and 1 were answered and acknowledged; input 2's forward
	// failed on the next stage's cluster: nothing from it on is committed.
	EXPECT_EQ(log.committed("in", 0), 2);
	EXPECT_TRUE(log.read("out-stage-1", 0, 0, 100).empty());
}

TEST_F(StageJobTest, AStageMustKnowWhereItForwards) {
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	auto c = config(0);
	c.next_topic.clear();
	EXPECT_THROW(InferenceJob(stages, &decoder, source, sink, c), std::invalid_argument);
	EXPECT_THROW(InferenceJob(stages, nullptr, source, sink, config(0)), std::invalid_argument);
	EXPECT_THROW(InferenceJob(stages, nullptr, source, sink, config(2)), std::invalid_argument);
}

// The margin rule: (c, 1 - c) has margin |2c - 1|, so c = 0.9 (top
// probability 0.9) has margin 0.8 and goes on at a threshold of 0.85,
// while c = 0.95 (margin 0.9) is answered.
TEST_F(StageJobTest, TheMarginRuleAnswersOnlyWhereTheWinnerWinsClearly) {
	send_inputs({0.9f, 0.95f});
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	auto c = config(0);
	c.threshold = 0.85;
	c.confidence = ml::ConfidenceRule::Margin;
	InferenceJob job(stages, &decoder, source, sink, c);
	run(job);
	auto answers = log.read("out", 0, 0, 100);
	ASSERT_EQ(answers.size(), 1u);
	EXPECT_EQ(*answers[0].key, "k1");
	auto forwards = log.read("out-stage-1", 0, 0, 100);
	ASSERT_EQ(forwards.size(), 1u);
	EXPECT_EQ(*forwards[0].key, "k0");
}

TEST(CarryFormat, RoundTripsAndSaysWhatIsWrong) {
	std::vector<float> values{1.5f, -2.0f, 0.0f, 3.25f, 7.0f, 8.0f};
	std::string message;
	encode_carry(values.data(), {2, 3}, message);
	EXPECT_EQ(message.substr(0, 6), std::string("KMLC\x01\x02", 6));
	EXPECT_EQ(message.size(), 8u + 2 * 4 + 6 * 4);
	std::vector<float> decoded;
	decode_carry(message, 6, decoded);
	EXPECT_EQ(decoded, values);
	EXPECT_THROW(decode_carry(message.substr(0, message.size() - 1), 6, decoded), formats::FormatError);
	auto other_version = message;
	other_version[4] = 2;
	EXPECT_THROW(decode_carry(other_version, 6, decoded), formats::FormatError);
}

} // namespace
} // namespace kafkaml::workers
