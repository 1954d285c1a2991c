#pragma once

// The pipeline interfaces the training and inference jobs are written
// against: a Source of records, a Sink that produces with delivery reports,
// and an OffsetTracker that commits only what was fully handled. Each has a
// librdkafka implementation (kafka_*.h, range_reader.h) and an in-memory
// fake (memory_log.h) so that job logic is unit-tested without a broker.

#include "formats/message_decoder.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::stream {

struct Header {
	std::string key;
	std::optional<std::string> value;
	bool operator==(const Header &) const = default;
};

//! One consumed record; owns its bytes.
struct Record {
	std::string topic;
	int32_t partition = 0;
	int64_t offset = -1;
	std::optional<std::string> key; //!< absent = no key (unlabeled)
	std::string value;
	std::vector<Header> headers;
	int64_t timestamp_ms = -1;

	formats::MessageView view() const {
		formats::MessageView view{offset, value, std::nullopt};
		if (key) {
			view.key = std::string_view(*key);
		}
		return view;
	}
};

struct TopicPartitionOffset {
	std::string topic;
	int32_t partition = 0;
	int64_t offset = 0; //!< for commits: the next offset to read
	bool operator==(const TopicPartitionOffset &) const = default;
};

//! Where records come from. Thread: one thread polls a source.
class Source {
public:
	virtual ~Source() = default;
	//! Appends up to `max` records to `out`, waiting up to `timeout` for the
	//! first. Returns false once the source is exhausted (a range reader that
	//! read all its ranges; records appended by that call are still valid),
	//! true while more may come. Throws StreamError on a fatal error.
	virtual bool poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) = 0;
	//! Commits consumer-group offsets (next offset to read). A no-op for
	//! sources without a group.
	virtual void commit(const std::vector<TopicPartitionOffset> &offsets) { (void)offsets; }
};

//! A record to produce; the bytes are copied by `produce`.
struct OutRecord {
	std::string_view topic;
	int32_t partition = -1; //!< -1: the client's partitioner (by key)
	std::optional<std::string_view> key;
	std::string_view value;
	std::span<const Header> headers;
	uint64_t tag = 0; //!< returned in the Delivery, e.g. an index into the caller's state
};

struct Delivery {
	std::string_view topic;
	int32_t partition = -1;
	int64_t offset = -1;
	uint64_t tag = 0;
	std::string error; //!< empty when the broker acknowledged the record
	//! The cluster refused the record for its size: sending it again fails
	//! again, unlike an error of a cluster that is away.
	bool too_large = false;
	bool ok() const { return error.empty(); }
};

//! Bytes a record takes against a producer's size limit: key, value and
//! headers (librdkafka's own reckoning, without the batch framing).
size_t record_size(const OutRecord &record);

//! Where records go. Delivery reports arrive through the callback from
//! `poll` or `flush`, on the thread calling them.
//! Thread: one thread produces and polls.
class Sink {
public:
	using DeliveryCallback = std::function<void(const Delivery &)>;
	virtual ~Sink() = default;
	virtual void set_delivery_callback(DeliveryCallback callback) = 0;
	//! Queues one record (copies the bytes); blocks while the local queue is
	//! full, serving delivery reports meanwhile. Throws RecordTooLarge when
	//! record_size() is over max_record_size() (nothing is queued), else
	//! StreamError.
	virtual void produce(const OutRecord &record) = 0;
	//! The largest record_size() this sink sends.
	virtual size_t max_record_size() const = 0;
	//! Serves delivery reports that are ready, waiting up to `timeout`.
	virtual void poll(std::chrono::milliseconds timeout) = 0;
	//! Waits until every queued record got its delivery report; throws
	//! StreamError if `timeout` passes first.
	virtual void flush(std::chrono::milliseconds timeout) = 0;
};

//! At-least-once bookkeeping: records are `begin`-ed in consumption order
//! and `done` in any order (e.g. when their outputs are acknowledged);
//! `commit` hands the committer, per partition, the offset after the longest
//! prefix of done records, and only when it moved.
//! Thread: all methods lock an internal mutex; any thread.
class OffsetTracker {
public:
	using Committer = std::function<void(const std::vector<TopicPartitionOffset> &)>;
	explicit OffsetTracker(Committer committer) : committer_(std::move(committer)) {}

	void begin(const std::string &topic, int32_t partition, int64_t offset);
	void done(const std::string &topic, int32_t partition, int64_t offset);
	//! Returns what was committed (empty when nothing moved).
	std::vector<TopicPartitionOffset> commit();
	//! Drops a partition's state (after a rebalance revoked it).
	void forget(const std::string &topic, int32_t partition);
	//! A rebalance takes the partition away: hands the committer the offset
	//! after its done prefix, even when an earlier commit carried it (that
	//! one was asynchronous and may have failed: this is the last chance),
	//! then drops the partition's state.
	void release(const std::string &topic, int32_t partition);
	//! The commit of `offset` (a next-offset handed to the committer) failed:
	//! unless a later one was made since, the next commit() carries the
	//! partition's done prefix again.
	void commit_failed(const std::string &topic, int32_t partition, int64_t offset);
	//! Records begun and not yet done.
	size_t in_flight() const;
	//! Whether some partition's done prefix moved past its last commit.
	bool has_uncommitted() const;

private:
	struct PartitionState {
		std::map<int64_t, bool> pending; //!< offset -> done
		int64_t committed = -1;          //!< last committed next-offset
		int64_t next = -1;               //!< offset after the done prefix
	};
	mutable std::mutex mutex_;
	std::map<std::pair<std::string, int32_t>, PartitionState> partitions_;
	Committer committer_;
};

} // namespace kafkaml::stream
