#pragma once

// Live view of an inference's output topic for the web UI: `GET
// /api/v1/inferences/{id}/predictions/stream` (server-sent events) passes on
// predictions as they are produced. The Kafka implementation lives with the
// server assembly and reads each topic once, however many clients watch it.
//
// Threading: `subscribe` is called from HTTP worker threads; callbacks run
// on the feed's own threads; a subscription may be destroyed on any thread.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace kafkaml::api {

//! While it lives, its callback gets the topic's new messages. Destroying
//! it waits for a callback in progress to return, and none runs after.
class PredictionSubscription {
public:
	virtual ~PredictionSubscription() = default;
};

class PredictionFeed {
public:
	using Callback = std::function<void(std::string_view value)>;
	virtual ~PredictionFeed() = default;
	//! Calls `on_value` with every message produced to `topic` of the
	//! cluster `kafka_broker` (as an inference names it: a configured
	//! cluster or a bootstrap list) from now on (all of them when the topic
	//! does not exist yet). `on_value` must be quick and must not destroy its
	//! own subscription. Throws std::runtime_error with a user-facing message
	//! when Kafka is away or the cluster is not configured.
	virtual std::unique_ptr<PredictionSubscription> subscribe(const std::string &kafka_broker, const std::string &topic,
	                                                          Callback on_value) = 0;
};

} // namespace kafkaml::api
