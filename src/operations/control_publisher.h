#pragma once

// Sends a control message (docs/wire-format.md) so that a deployment trains on a
// stream already in the log: `POST datasources/{id}/send` uses it to reuse a
// stream without re-sending its data. The Kafka implementation is
// control::KafkaControlPublisher (src/control); tests use a fake.
//
// Threading: called from HTTP worker threads; implementations synchronise.
// Throws std::runtime_error with a user-facing message when the message
// could not be delivered.

#include "store/store.h"

#include <cstdint>

namespace kafkaml::operations {

class ControlPublisher {
public:
	virtual ~ControlPublisher() = default;
	//! Publishes `datasource`'s control message keyed by `deployment` and
	//! returns once the broker acknowledged it.
	virtual void publish(int64_t deployment, const store::Datasource &datasource) = 0;
};

} // namespace kafkaml::operations
