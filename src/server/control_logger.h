#pragma once

#include "store/store.h"
#include "stream/kafka_client.h"

#include <atomic>
#include <string>
#include <thread>

namespace kafkaml::server {

//! Records every control message on the control topic as a datasource, so
//! that users see the streams they sent and can reuse them (DESIGN §1 step 7).
//!
//! It consumes the control topic in its own consumer group and commits a
//! message's offset only after the store has its datasource. A datasource is
//! keyed by its control message's topic, partition, offset and timestamp, so
//! a message read again (a crash between the two, a rebalance) is not
//! recorded twice: each control message gives exactly one datasource.
//! A record that is not a valid control message is logged and skipped.
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
	uint64_t recorded() const { return recorded_.load(); }

private:
	void run();

	stream::KafkaConfig kafka_;
	std::string control_topic_;
	std::string group_id_;
	store::Store &store_;
	std::atomic<bool> stopping_{false};
	std::atomic<uint64_t> recorded_{0};
	std::thread thread_;
};

} // namespace kafkaml::server
