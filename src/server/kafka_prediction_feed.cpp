#include "server/kafka_prediction_feed.h"

#include "stream/admin.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace kafkaml::server {

using Clock = std::chrono::steady_clock;

class KafkaPredictionFeed::Follower {
public:
	Follower(stream::KafkaConfig kafka, std::string topic, std::chrono::milliseconds linger)
	    : kafka_(std::move(kafka)), topic_(std::move(topic)), linger_(linger), empty_since_(Clock::now()) {
		thread_ = std::thread([this] { run(); });
	}

	~Follower() {
		stop_ = true;
		if (thread_.joinable()) {
			thread_.join();
		}
	}

	//! False when this follower is ending: the caller makes a new one.
	bool add(uint64_t id, Callback on_value) {
		std::lock_guard lock(mutex_);
		if (ending_) {
			return false;
		}
		subscribers_.emplace(id, std::move(on_value));
		return true;
	}

	//! Waits for a delivery in progress: none reaches `id` afterwards.
	void remove(uint64_t id) {
		std::lock_guard lock(mutex_);
		subscribers_.erase(id);
		if (subscribers_.empty()) {
			empty_since_ = Clock::now();
		}
	}

	bool ended() const {
		std::lock_guard lock(mutex_);
		return ending_;
	}

private:
	void run() {
		try {
			follow();
		} catch (const std::exception &e) {
			spdlog::warn("live predictions of {}: {}", topic_, e.what());
		}
		std::lock_guard lock(mutex_);
		ending_ = true;
	}

	void follow() {
		// group.id only satisfies librdkafka: assign() never joins the group.
		auto rk = stream::make_client(RD_KAFKA_CONSUMER, kafka_,
		                              {{"group.id", "kafkaml-live-predictions"},
		                               {"enable.auto.commit", "false"},
		                               {"enable.partition.eof", "false"}});
		rd_kafka_poll_set_consumer(rk.get());
		bool assigned = false;
		bool topic_was_missing = false;
		while (!stop_ && !lingered_out()) {
			if (!assigned) {
				assigned = assign(rk.get(), topic_was_missing);
				if (!assigned) {
					// The topic appears with the first prediction; until then, wait.
					topic_was_missing = true;
					std::this_thread::sleep_for(std::chrono::milliseconds(500));
					continue;
				}
			}
			rd_kafka_message_t *message = rd_kafka_consumer_poll(rk.get(), 200);
			if (!message) {
				continue;
			}
			if (!message->err && message->payload) {
				std::string_view value(static_cast<const char *>(message->payload), message->len);
				std::lock_guard lock(mutex_);
				for (auto &[id, on_value] : subscribers_) {
					on_value(value);
				}
			}
			rd_kafka_message_destroy(message);
		}
	}

	//! True, and the follower marked ending, once nobody subscribed for
	//! `linger`: a later subscriber then starts a new follower.
	bool lingered_out() {
		std::lock_guard lock(mutex_);
		if (subscribers_.empty() && Clock::now() - empty_since_ >= linger_) {
			ending_ = true;
		}
		return ending_;
	}

	bool assign(rd_kafka_t *rk, bool topic_was_missing) {
		auto partitions = stream::list_partitions(rk, topic_, std::chrono::seconds(2));
		if (partitions.empty()) {
			return false;
		}
		stream::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
		for (auto partition : partitions) {
			// A topic made after the first subscription holds only new
			// predictions: read it all. Otherwise start at its end.
			rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset =
			    topic_was_missing ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
		}
		return rd_kafka_assign(rk, list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR;
	}

	const stream::KafkaConfig kafka_;
	const std::string topic_;
	const std::chrono::milliseconds linger_;
	std::atomic<bool> stop_{false};
	mutable std::mutex mutex_; //!< guards the three below; held while calling subscribers
	std::map<uint64_t, Callback> subscribers_;
	Clock::time_point empty_since_;
	bool ending_ = false;
	std::thread thread_;
};

namespace {

class FollowerSubscription final : public api::PredictionSubscription {
public:
	FollowerSubscription(std::shared_ptr<KafkaPredictionFeed::Follower> follower, uint64_t id)
	    : follower_(std::move(follower)), id_(id) {}
	~FollowerSubscription() override { follower_->remove(id_); }

private:
	std::shared_ptr<KafkaPredictionFeed::Follower> follower_;
	uint64_t id_;
};

std::atomic<uint64_t> next_subscriber{1};

} // namespace

KafkaPredictionFeed::KafkaPredictionFeed(stream::KafkaClusters clusters, std::chrono::milliseconds linger)
    : clusters_(std::move(clusters)), linger_(linger) {}

KafkaPredictionFeed::~KafkaPredictionFeed() {
	std::map<std::pair<std::string, std::string>, std::shared_ptr<Follower>> followers;
	{
		std::lock_guard lock(mutex_);
		followers.swap(followers_);
	}
	// Each Follower's destructor stops and joins its thread; a subscription
	// still alive keeps its Follower until it goes.
}

std::unique_ptr<api::PredictionSubscription>
KafkaPredictionFeed::subscribe(const std::string &kafka_broker, const std::string &topic, Callback on_value) {
	auto kafka = clusters_.resolve(kafka_broker);
	if (!kafka) {
		throw std::runtime_error("the predictions are on the Kafka cluster \"" + kafka_broker +
		                         "\", which this server does not configure: start it with --kafka-cluster " +
		                         kafka_broker + "=FILE");
	}
	std::lock_guard lock(mutex_);
	reap();
	auto id = next_subscriber.fetch_add(1);
	auto &follower = followers_[{kafka_broker, topic}];
	if (!follower || !follower->add(id, on_value)) {
		follower = std::make_shared<Follower>(*kafka, topic, linger_);
		follower->add(id, std::move(on_value));
	}
	return std::make_unique<FollowerSubscription>(follower, id);
}

size_t KafkaPredictionFeed::followers() const {
	std::lock_guard lock(mutex_);
	size_t live = 0;
	for (const auto &[where, follower] : followers_) {
		live += follower->ended() ? 0 : 1;
	}
	return live;
}

void KafkaPredictionFeed::reap() {
	std::erase_if(followers_, [](const auto &entry) { return entry.second->ended(); });
}

} // namespace kafkaml::server
