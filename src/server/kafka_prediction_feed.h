#pragma once

#include "api/prediction_feed.h"
#include "stream/kafka_clusters.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace kafkaml::server {

//! Follows output topics for the live predictions stream, each on the
//! cluster its inference writes to. One consumer per cluster and topic (a
//! "follower", on its own thread) serves every subscriber of that topic: a hundred browser tabs on one inference cost
//! one Kafka consumer, not a hundred. The consumer is assigned every partition at the log end, with no consumer group
//! (nothing committed, no rebalance with the replicas). A follower whose last subscriber left lingers for `linger`, so
//! that a reloaded page finds it still there, then ends.
//!
//! Thread: `subscribe` from any thread; each follower calls its
//! subscribers' callbacks on its thread, under its lock; the destructor
//! stops and joins every follower.
class KafkaPredictionFeed final : public api::PredictionFeed {
public:
	explicit KafkaPredictionFeed(stream::KafkaClusters clusters,
	                             std::chrono::milliseconds linger = std::chrono::seconds(10));
	~KafkaPredictionFeed() override;
	KafkaPredictionFeed(const KafkaPredictionFeed &) = delete;
	KafkaPredictionFeed &operator=(const KafkaPredictionFeed &) = delete;

	std::unique_ptr<api::PredictionSubscription> subscribe(const std::string &kafka_broker, const std::string &topic,
	                                                       Callback on_value) override;
	//! Topics followed right now (for tests and metrics).
	size_t followers() const;

	class Follower;

private:
	//! Joins followers that ended. Holds mutex_.
	void reap();

	const stream::KafkaClusters clusters_;
	std::chrono::milliseconds linger_;
	mutable std::mutex mutex_;
	//! By (the cluster as the inference names it, topic).
	std::map<std::pair<std::string, std::string>, std::shared_ptr<Follower>> followers_;
};

} // namespace kafkaml::server
