#pragma once

#include "control/prediction_feed.h"
#include "stream/kafka_client.h"

namespace kafkaml::server {

//! Follows output topics for the live predictions stream: each subscription
//! is its own consumer, assigned to every partition at the log end, with no
//! consumer group (nothing committed, no rebalance with the replicas).
//! Thread: `subscribe` from any thread; a subscription on one thread.
class KafkaPredictionFeed final : public control::PredictionFeed {
public:
	explicit KafkaPredictionFeed(stream::KafkaConfig kafka) : kafka_(std::move(kafka)) {}
	std::unique_ptr<control::PredictionSubscription> subscribe(const std::string &topic) override;

private:
	stream::KafkaConfig kafka_;
};

} // namespace kafkaml::server
