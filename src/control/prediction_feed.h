#pragma once

// Live view of an inference's output topic for the web UI: `GET
// /api/v1/inferences/{id}/predictions/stream` (server-sent events) reads
// predictions as they are produced. The Kafka implementation lives with the
// server assembly; the API only asks for the next message.
//
// Threading: `subscribe` is called from HTTP worker threads; a subscription
// is used by the one worker serving its connection.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace kafkaml::control {

class PredictionSubscription {
public:
	virtual ~PredictionSubscription() = default;
	//! The next message value on the topic, or nothing after `timeout`.
	virtual std::optional<std::string> next(std::chrono::milliseconds timeout) = 0;
};

class PredictionFeed {
public:
	virtual ~PredictionFeed() = default;
	//! Follows `topic` from its current end (only new predictions). Throws
	//! std::runtime_error with a user-facing message when Kafka is away.
	virtual std::unique_ptr<PredictionSubscription> subscribe(const std::string &topic) = 0;
};

} // namespace kafkaml::control
