#pragma once

#include "stream/io.h"
#include "stream/kafka_client.h"

#include <chrono>
#include <functional>
#include <optional>

namespace kafkaml::stream {

//! Consumer-group source for inference replicas: subscribes to topics in
//! `group_id`; offsets are committed only through `commit` (no auto-commit),
//! which the replica calls with what its OffsetTracker says is delivered, so
//! processing is at-least-once. A new group starts at the earliest offset.
//! `on_revoke` runs (on the polling thread) for partitions taken away by a
//! rebalance, so the tracker can commit what is done and forget them; a
//! `commit` made from it is synchronous.
//! Thread: one thread polls and commits.
class KafkaGroupSource final : public Source {
public:
	using RevokeCallback = std::function<void(const std::string &topic, int32_t partition)>;
	KafkaGroupSource(const KafkaConfig &config, const std::string &group_id, const std::vector<std::string> &topics,
	                 RevokeCallback on_revoke = {});
	//! Runs (on the polling thread) for each partition whose asynchronous
	//! commit failed, with the offset it carried, so that the tracker
	//! commits it again. Set before the first poll.
	using CommitFailedCallback = std::function<void(const std::string &topic, int32_t partition, int64_t offset)>;
	void on_commit_failed(CommitFailedCallback callback) { on_commit_failed_ = std::move(callback); }
	bool poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) override;
	void commit(const std::vector<TopicPartitionOffset> &offsets) override;

	struct Lag {
		size_t partitions = 0;      //!< assigned to this member now
		std::optional<int64_t> lag; //!< unset until every one has a known high watermark
	};
	//! How far this member is behind: per assigned partition, the high
	//! watermark (librdkafka's cached value from the last fetch) minus the
	//! position the application consumed to, summed. While it has consumed
	//! nothing from a partition, the group's committed offset stands for the
	//! position (one coordinator round trip, up to 1 s), or the log start when
	//! none was committed; unset while any of these is unknown.
	//! Thread: any (librdkafka's calls used here are thread-safe).
	Lag lag() const;

private:
	static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions,
	                         void *opaque);
	static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets,
	                      void *opaque);
	RevokeCallback on_revoke_;
	CommitFailedCallback on_commit_failed_;
	//! Failed commits are logged once per interval, with how many there were.
	std::chrono::steady_clock::time_point last_commit_warning_{};
	uint64_t unreported_commit_failures_ = 0;
	bool revoking_ = false; //!< inside on_revoke_: commits are synchronous
	KafkaHandle rk_;
};

} // namespace kafkaml::stream
