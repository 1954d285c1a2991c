#pragma once

#include "control/control_record_keeper.h"
#include "store/store.h"
#include "stream/kafka_client.h"

#include <atomic>
#include <string>
#include <thread>

namespace kafkaml::control {

//! Records every control message on the control topic as a datasource, so
//! that users see the streams they sent and can reuse them.
//!
//! It consumes the control topic in its own consumer group and commits a
//! message's offset only after the store has its datasource. A datasource is
//! keyed by its control message's topic, partition, offset and timestamp, so
//! a message read again (a crash between the two, a rebalance) is not
//! recorded twice: each control message gives exactly one datasource.
//! A record that is not a valid control message, or that the store refuses
//! to hold, is recorded as refused (with the reason, in the store, where
//! the API lists it) and committed: one hostile record never stops the
//! logger nor fails it again after a restart. Only while the store takes
//! nothing at all does the logger wait, without committing, and retry.
//!
//! Thread: `start()` runs the consumer on its own thread; `stop()` (any
//! thread) ends it and joins. The store is thread-safe by contract.
class ControlLogger {
public:
	ControlLogger(stream::KafkaConfig kafka, std::string control_topic, std::string group_id, store::Store &store);
	~ControlLogger();
	ControlLogger(const ControlLogger &) = delete;
	ControlLogger &operator=(const ControlLogger &) = delete;

	void start();
	void stop();
	//! Datasources recorded since start (for tests and metrics).
	uint64_t recorded() const { return keeper_.recorded(); }
	//! Records refused since start.
	uint64_t refused() const { return keeper_.refused(); }

private:
	void run();

	stream::KafkaConfig kafka_;
	std::string control_topic_;
	std::string group_id_;
	std::atomic<bool> stopping_{false};
	ControlRecordKeeper keeper_;
	std::thread thread_;
};

} // namespace kafkaml::control
