#include "workers/model_rollout.h"

#include "ml/spec/parse.h"
#include "stream/memory_log.h"
#include "workers/inference_job.h"
#include "workers/tests/hcopd_like.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <set>

namespace kafkaml::workers {
namespace {

using namespace std::chrono_literals;

//! What the server would answer: a target the test moves, and the models of
//! three versions, each built with its own seed so their predictions differ.
class FakeServer {
public:
	FakeServer() {
		for (int64_t version = 1; version <= 3; ++version) {
			models_[version] =
			    ml::Model::build(ml::parse_model_definition(testing::kHcopdModel), uint64_t(version)).save();
		}
	}
	void serve(std::optional<int64_t> version) {
		std::lock_guard lock(mutex_);
		target_.ready = version.has_value();
		target_.version = version;
	}
	void break_version(int64_t version) {
		std::lock_guard lock(mutex_);
		models_[version] = "not a model";
	}
	ServingTarget target() {
		std::lock_guard lock(mutex_);
		++target_calls_;
		return target_;
	}
	std::string model(const ServingTarget &target) {
		std::lock_guard lock(mutex_);
		++model_calls_[target.version.value_or(0)];
		return models_.at(target.version.value_or(0));
	}
	int model_calls(int64_t version) {
		std::lock_guard lock(mutex_);
		return model_calls_[version];
	}
	std::string bytes(int64_t version) {
		std::lock_guard lock(mutex_);
		return models_.at(version);
	}

	ModelRollout rollout(std::chrono::milliseconds retry_after = 10s) {
		return ModelRollout([this] { return target(); }, [this](const ServingTarget &t) { return model(t); }, 5ms,
		                    retry_after);
	}

private:
	std::mutex mutex_;
	ServingTarget target_{7, std::nullopt, false};
	std::map<int64_t, std::string> models_;
	int target_calls_ = 0;
	std::map<int64_t, int> model_calls_;
};

//! Takes from the rollout until a model comes (or 5 s pass).
std::optional<VersionedModel> take_within(ModelRollout &rollout, std::chrono::milliseconds limit = 5s) {
	auto until = std::chrono::steady_clock::now() + limit;
	while (std::chrono::steady_clock::now() < until) {
		if (auto taken = rollout.take()) {
			return taken;
		}
		std::this_thread::sleep_for(2ms);
	}
	return std::nullopt;
}

TEST(ModelRolloutTest, FirstWaitsForAVersionAndSaysSoOnce) {
	FakeServer server;
	auto rollout = server.rollout();
	int waits = 0;
	std::thread later([&] {
		std::this_thread::sleep_for(50ms);
		server.serve(2);
	});
	auto first = rollout.first([] { return false; },
	                           [&](const ServingTarget &target) {
		                           EXPECT_EQ(target.result, 7);
		                           ++waits;
	                           });
	later.join();
	ASSERT_TRUE(first);
	EXPECT_EQ(first->target.version, 2);
	EXPECT_EQ(first->model.save(), server.bytes(2));
	EXPECT_EQ(waits, 1);
}

TEST(ModelRolloutTest, FirstGivesUpWhenCancelled) {
	FakeServer server;
	auto rollout = server.rollout();
	int asked = 0;
	EXPECT_FALSE(rollout.first([&] { return ++asked > 3; }));
}

TEST(ModelRolloutTest, FollowsNewVersionsAndRollsBack) {
	FakeServer server;
	server.serve(1);
	auto rollout = server.rollout();
	auto first = rollout.first([] { return false; });
	ASSERT_TRUE(first);
	rollout.follow(first->target);
	std::this_thread::sleep_for(30ms);
	EXPECT_FALSE(rollout.take()) << "the version served is not loaded again";
	EXPECT_EQ(server.model_calls(1), 1);

	server.serve(3);
	auto next = take_within(rollout);
	ASSERT_TRUE(next);
	EXPECT_EQ(next->target.version, 3);
	EXPECT_EQ(next->model.save(), server.bytes(3));

	server.serve(1); // pinned back
	auto back = take_within(rollout);
	ASSERT_TRUE(back);
	EXPECT_EQ(back->target.version, 1);
	EXPECT_EQ(server.model_calls(3), 1);
}

TEST(ModelRolloutTest, AModelThatDoesNotLoadIsTriedAgainOnlyLaterAndAnotherAtOnce) {
	FakeServer server;
	server.serve(1);
	auto rollout = server.rollout(400ms);
	auto first = rollout.first([] { return false; });
	rollout.follow(first->target);
	server.break_version(2);
	server.serve(2);
	std::this_thread::sleep_for(100ms);
	EXPECT_FALSE(rollout.take()) << "a model that does not load is not served";
	EXPECT_EQ(server.model_calls(2), 1) << "not asked again every round";
	std::this_thread::sleep_for(500ms);
	EXPECT_GE(server.model_calls(2), 2) << "asked again once retry_after passed";
	server.serve(3);
	auto next = take_within(rollout);
	ASSERT_TRUE(next);
	EXPECT_EQ(next->target.version, 3);
}

//! The replica's side: predictions switch models between batches, every
//! input is predicted exactly once, and each names the version that made
//! it, whose model's prediction it is.
TEST(ModelRolloutTest, AReplicaSwitchesVersionsBetweenBatchesWithoutLosingOrRepeatingAnInput) {
	FakeServer server;
	server.serve(1);
	auto rollout = server.rollout();
	auto first = rollout.first([] { return false; });
	ASSERT_TRUE(first);

	stream::MemoryLog log;
	auto decoder = formats::MessageDecoder::from_config("RAW", {{"data_type", "float32"}, {"data_reshape", "3"}});
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJobConfig config;
	config.output_topic = "out";
	config.dead_letter_topic = "out.dlq";
	config.max_batch = 10;
	config.poll_timeout = 1ms;
	config.commit_interval = 0ms;
	config.model_version = first->target.version;
	InferenceJob job(first->model, decoder, source, sink, config);
	rollout.follow(first->target);
	job.follow(rollout);

	// Inputs keep arriving while the versions change under the replica.
	constexpr int kInputs = 3000;
	std::atomic<int> sent{0};
	std::thread producer([&] {
		for (int i = 0; i < kInputs; ++i) {
			stream::Record record;
			record.topic = "in";
			record.value = testing::float_bytes({float(i % 7) * 0.1f, float(i % 11) * -0.2f, 0.5f});
			record.headers = {{"input", std::to_string(i)}};
			log.append(std::move(record));
			sent = i + 1;
			if (i == kInputs / 3) {
				server.serve(2);
			}
			if (i == 2 * kInputs / 3) {
				server.serve(3);
			}
			if (i % 50 == 0) {
				std::this_thread::sleep_for(2ms);
			}
		}
	});
	job.run([&] { return sent == kInputs && log.committed("in", 0) == kInputs; });
	producer.join();

	std::map<int64_t, ml::Model> models;
	for (int64_t version = 1; version <= 3; ++version) {
		models.emplace(version, ml::Model::load(server.bytes(version)));
	}
	auto outputs = log.read("out", 0, 0, kInputs * 2);
	ASSERT_EQ(outputs.size(), size_t(kInputs));
	std::set<int> seen;
	std::map<int64_t, int> by_version;
	int64_t previous = 1;
	for (const auto &output : outputs) {
		std::map<std::string, std::string> headers;
		for (const auto &h : output.headers) {
			headers[h.key] = h.value.value_or("");
		}
		int input = std::stoi(headers.at("input"));
		EXPECT_TRUE(seen.insert(input).second) << "input " << input << " predicted twice";
		int64_t version = std::stoll(headers.at(kModelVersionHeader));
		EXPECT_GE(version, previous) << "versions go forward here";
		previous = version;
		++by_version[version];
		ml::Array one{{1, 3}, {float(input % 7) * 0.1f, float(input % 11) * -0.2f, 0.5f}};
		auto expected = models.at(version).predict(one);
		auto values = nlohmann::json::parse(output.value)["values"];
		ASSERT_EQ(values.size(), 2u);
		EXPECT_NEAR(values[0].get<float>(), expected.data[0], 1e-5) << "input " << input << " version " << version;
	}
	EXPECT_EQ(seen.size(), size_t(kInputs));
	EXPECT_EQ(by_version.size(), 3u) << "each version served some inputs";
	EXPECT_EQ(job.counters().model_version.load(), 3);
	EXPECT_EQ(log.committed("in", 0), kInputs);
}

TEST(ModelRolloutTest, AVersionOfAnotherInputShapeIsNotServed) {
	FakeServer server;
	server.serve(1);
	auto rollout = server.rollout();
	auto first = rollout.first([] { return false; });
	stream::MemoryLog log;
	auto decoder = formats::MessageDecoder::from_config("RAW", {{"data_type", "float32"}, {"data_reshape", "3"}});
	stream::MemoryTopicSource source(log, "in", {0});
	stream::MemorySink sink(log);
	InferenceJobConfig config;
	config.output_topic = "out";
	config.poll_timeout = 1ms;
	config.model_version = 1;
	InferenceJob job(first->model, decoder, source, sink, config);
	// A model of four inputs appears as version 2.
	auto other = ml::Model::build(ml::parse_model_definition(R"(model = tf.keras.Sequential([
    tf.keras.layers.Dense(2, activation='softmax', input_shape=(4,))
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy'))"));
	ModelRollout odd(
	    [] {
		    return ServingTarget{7, 2, true};
	    },
	    [&](const ServingTarget &) { return other.save(); }, 5ms);
	odd.follow(first->target);
	job.follow(odd);
	stream::Record record;
	record.topic = "in";
	record.value = testing::float_bytes({0.1f, 0.2f, 0.3f});
	log.append(record);
	int polls = 0;
	job.run([&] { return ++polls > 40 && log.read("out", 0, 0, 10).size() == 1; });
	EXPECT_EQ(job.counters().model_version.load(), 1);
	auto out = log.read("out", 0, 0, 10);
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].headers.back().value, "1");
}

} // namespace
} // namespace kafkaml::workers
