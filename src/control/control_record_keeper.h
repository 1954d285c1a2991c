#pragma once

// What the control logger does with one record of the control topic,
// without Kafka: keep it as a datasource, or as a refusal with the reason.
// The logger (control_logger.h) feeds it and commits; the fuzzer feeds it
// hostile bytes.
//
// Thread-safety: one thread calls take(); counters are atomics readable
// from any thread. The store is thread-safe by contract.

#include "store/store.h"
#include "stream/io.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace kafkaml::control {

class ControlRecordKeeper {
public:
	enum class Outcome {
		recorded,          //!< a datasource
		refused,           //!< not a control message, or one the store cannot hold; the refusal is stored
		store_unavailable, //!< the store takes nothing: read the record again later
	};

	//! `keep_going` is asked between store attempts; false ends them early
	//! (the logger stopping).
	explicit ControlRecordKeeper(store::Store &store, std::function<bool()> keep_going = {});

	//! Records one control-topic record. A store error is retried a few
	//! times before the record is refused; if the refusal cannot be stored
	//! either, the store is away.
	Outcome take(const stream::Record &record);

	uint64_t recorded() const { return recorded_.load(); }
	uint64_t refused() const { return refused_.load(); }

private:
	static constexpr int kStoreAttempts = 3;

	Outcome refuse(const std::string &position, std::optional<int64_t> deployment, const std::string &reason);

	store::Store &store_;
	std::function<bool()> keep_going_;
	std::atomic<uint64_t> recorded_{0};
	std::atomic<uint64_t> refused_{0};
};

//! Where a record sits and when it was written ("topic/partition@offset
//! tTIMESTAMP_MS"): the key of its datasource or refusal. Reading it again
//! (a crash before the commit, a rebalance) records nothing new, while a
//! recreated control topic's records at the same offsets are new.
std::string control_position(const stream::Record &record);

} // namespace kafkaml::control
