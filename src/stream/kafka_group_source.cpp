#include "stream/kafka_group_source.h"

#include "stream/kafka_range_reader.h"
#include "stream/stream_error.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace kafkaml::stream {

KafkaGroupSource::KafkaGroupSource(const KafkaConfig &config, const std::string &group_id,
                                   const std::vector<std::string> &topics, RevokeCallback on_revoke)
    : on_revoke_(std::move(on_revoke)) {
	rk_ = make_client(
	    RD_KAFKA_CONSUMER, config,
	    {{"group.id", group_id},
	     {"enable.auto.commit", "false"},
	     {"enable.auto.offset.store", "false"},
	     {"auto.offset.reset", "earliest"},
	     {"fetch.wait.max.ms", "20"}},
	    [](rd_kafka_conf_t *conf, void *opaque) {
		    rd_kafka_conf_set_opaque(conf, opaque);
		    rd_kafka_conf_set_rebalance_cb(conf, &KafkaGroupSource::on_rebalance);
		    rd_kafka_conf_set_offset_commit_cb(conf, &KafkaGroupSource::on_commit);
	    },
	    this);
	rd_kafka_poll_set_consumer(rk_.get());
	PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
	for (const auto &topic : topics) {
		rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
	}
	if (auto err = rd_kafka_subscribe(rk_.get(), list.get())) {
		throw StreamError(std::string("cannot subscribe: ") + rd_kafka_err2str(err));
	}
}

void KafkaGroupSource::on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                    rd_kafka_topic_partition_list_t *partitions, void *opaque) {
	auto *self = static_cast<KafkaGroupSource *>(opaque);
	bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (cooperative) {
			rd_kafka_error_t *error = rd_kafka_incremental_assign(rk, partitions);
			if (error) {
				rd_kafka_error_destroy(error);
			}
		} else {
			rd_kafka_assign(rk, partitions);
		}
		return;
	}
	if (self->on_revoke_) {
		// A lost assignment (this member's session expired) has a new owner
		// already: a commit could only fail, and must not wait.
		self->revoking_ = !rd_kafka_assignment_lost(rk);
		for (int i = 0; i < partitions->cnt; i++) {
			self->on_revoke_(partitions->elems[i].topic, partitions->elems[i].partition);
		}
		self->revoking_ = false;
	}
	if (cooperative) {
		rd_kafka_error_t *error = rd_kafka_incremental_unassign(rk, partitions);
		if (error) {
			rd_kafka_error_destroy(error);
		}
	} else {
		rd_kafka_assign(rk, nullptr);
	}
}

// An asynchronous commit's outcome, served by the polling thread. A failed
// one (the group rebalancing, its coordinator moving) is made again by the
// tracker; the log says so, at most every few seconds.
void KafkaGroupSource::on_commit(rd_kafka_t *, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets,
                                 void *opaque) {
	if (err == RD_KAFKA_RESP_ERR__NO_OFFSET || !offsets) {
		return;
	}
	auto *self = static_cast<KafkaGroupSource *>(opaque);
	std::string where;
	rd_kafka_resp_err_t shown = err; // what the message says
	for (int i = 0; i < offsets->cnt; i++) {
		const auto &p = offsets->elems[i];
		// The request may succeed while one partition's commit failed.
		auto failed = err ? err : p.err;
		if (!failed) {
			continue;
		}
		shown = failed;
		if (self->on_commit_failed_) {
			self->on_commit_failed_(p.topic, p.partition, p.offset);
		}
		where += fmt::format("{}{}/{}@{}", where.empty() ? "" : ", ", p.topic, p.partition, p.offset);
	}
	if (where.empty()) {
		return;
	}
	auto now = std::chrono::steady_clock::now();
	if (now - self->last_commit_warning_ < std::chrono::seconds(5)) {
		self->unreported_commit_failures_ += 1;
		return;
	}
	spdlog::warn("offset commit of {} failed: {}; it is made again{}", where, rd_kafka_err2str(shown),
	             self->unreported_commit_failures_
	                 ? fmt::format(" ({} more failed since the last such message)", self->unreported_commit_failures_)
	                 : std::string());
	self->last_commit_warning_ = now;
	self->unreported_commit_failures_ = 0;
}

bool KafkaGroupSource::poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) {
	consume_ready(rk_.get(), out, max, timeout);
	return true;
}

KafkaGroupSource::Lag KafkaGroupSource::lag() const {
	rd_kafka_topic_partition_list_t *assigned = nullptr;
	if (rd_kafka_assignment(rk_.get(), &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR || !assigned) {
		return {};
	}
	PartitionList guard(assigned);
	Lag out;
	out.partitions = static_cast<size_t>(assigned->cnt);
	rd_kafka_position(rk_.get(), assigned);
	// A partition this member consumed nothing from yet (just assigned, as
	// after a replica restart) resumes at the group's committed offset, not at
	// the log start: ask the coordinator for it.
	PartitionList committed(rd_kafka_topic_partition_list_new(assigned->cnt));
	for (int i = 0; i < assigned->cnt; i++) {
		if (assigned->elems[i].offset < 0) {
			rd_kafka_topic_partition_list_add(committed.get(), assigned->elems[i].topic, assigned->elems[i].partition);
		}
	}
	if (committed->cnt > 0 && rd_kafka_committed(rk_.get(), committed.get(), 1000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		return out; // where it starts is unknown: no figure rather than a wrong one
	}
	int64_t total = 0;
	for (int i = 0; i < assigned->cnt; i++) {
		const auto &partition = assigned->elems[i];
		int64_t low = 0, high = 0;
		if (rd_kafka_get_watermark_offsets(rk_.get(), partition.topic, partition.partition, &low, &high) !=
		        RD_KAFKA_RESP_ERR_NO_ERROR ||
		    high < 0) {
			return out;
		}
		int64_t position = partition.offset;
		if (position < 0) {
			const auto *found =
			    rd_kafka_topic_partition_list_find(committed.get(), partition.topic, partition.partition);
			if (!found || found->err) {
				return out;
			}
			// No offset committed yet: the group starts at the earliest (auto.offset.reset).
			position = found->offset >= 0 ? found->offset : std::max<int64_t>(low, 0);
		}
		total += std::max<int64_t>(0, high - position);
	}
	out.lag = total;
	return out;
}

void KafkaGroupSource::commit(const std::vector<TopicPartitionOffset> &offsets) {
	if (offsets.empty()) {
		return;
	}
	PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
	for (const auto &o : offsets) {
		rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition)->offset = o.offset;
	}
	// Async: a lost commit only means re-processing (at-least-once); the next
	// commit supersedes it. Except while partitions are revoked: there is
	// no next commit for them, and it must land before this member rejoins
	// and the partitions' next owner reads where the group stands.
	if (auto err = rd_kafka_commit(rk_.get(), list.get(), revoking_ ? 0 : 1)) {
		spdlog::warn("offset commit failed: {}", rd_kafka_err2str(err));
	}
}

} // namespace kafkaml::stream
