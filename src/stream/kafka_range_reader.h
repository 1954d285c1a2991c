#pragma once

#include "formats/range_list.h"
#include "stream/io.h"
#include "stream/kafka_client.h"

namespace kafkaml::stream {

//! Reads exactly the records of a range list from any Kafka cluster: assign
//! + seek to each range's start (no consumer group, nothing committed), stop
//! at its end offset. Ranges are read one after the other, so records come
//! in range-list order (in offset order within a partition): the training
//! split is a function of that order, the same on every re-read.
//!
//! Offset gaps (compacted records, transaction markers, aborted records) are
//! tolerated: a range ends when a record at or past its end arrives, or the
//! partition end (EOF) is at or past it. A range whose end lies beyond the
//! log end throws RangeError once `beyond_end_timeout` passes without the
//! log growing to it; so does a range whose topic or partition does not
//! exist (naming its topic:partition), once that timeout passes without a
//! record or log end from it. Only committed records are read (read_committed).
//!
//! Thread: one thread polls.
class KafkaRangeReader final : public Source {
public:
	KafkaRangeReader(const KafkaConfig &config, std::vector<formats::Range> ranges,
	                 std::chrono::milliseconds beyond_end_timeout = std::chrono::seconds(30));
	bool poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) override;

private:
	void start_range();
	void finish_range();
	[[noreturn]] void fail_beyond_end();
	//! Nothing came from the current range's partition: says whether it exists.
	[[noreturn]] void fail_unreadable();

	KafkaHandle rk_;
	std::vector<formats::Range> ranges_;
	std::chrono::milliseconds beyond_end_timeout_;
	size_t current_ = 0;
	bool assigned_ = false;
	int64_t log_end_ = -1; //!< last EOF offset seen on the current range
	std::chrono::steady_clock::time_point waiting_since_;
};

//! Copies a consumed librdkafka message into a Record.
Record to_record(const rd_kafka_message_t *message);

//! Polls a consumer for up to `max` records into `out`: waits up to
//! `timeout` for the first, then takes only what is ready. Partition-end
//! events and passing errors (logged) are skipped; a fatal error throws
//! StreamError. Returns how many were added.
size_t consume_ready(rd_kafka_t *rk, std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout);

} // namespace kafkaml::stream
