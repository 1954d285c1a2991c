#include "stream/kafka_topic_source.h"

#include "stream/admin.h"
#include "stream/kafka_range_reader.h"
#include "stream/stream_error.h"

namespace kafkaml::stream {
namespace {

constexpr auto kMetadataTimeout = std::chrono::seconds(5);

} // namespace

KafkaTopicSource::KafkaTopicSource(const KafkaConfig &config, std::string topic, int64_t from_timestamp_ms)
    : KafkaTopicSource(config, std::move(topic), Start{from_timestamp_ms, {}, {}}) {}

KafkaTopicSource::KafkaTopicSource(const KafkaConfig &config, std::string topic, Start start)
    : topic_(std::move(topic)), start_(std::move(start)) {
	// assign() never joins the group: without one of its own the id only
	// satisfies librdkafka; with one, commits go there.
	rk_ = make_client(RD_KAFKA_CONSUMER, config,
	                  {{"group.id", start_.group_id.empty() ? "kafkaml-topic-source" : start_.group_id},
	                   {"enable.auto.commit", "false"},
	                   {"enable.auto.offset.store", "false"},
	                   {"auto.offset.reset", "earliest"},
	                   {"isolation.level", "read_committed"},
	                   {"fetch.wait.max.ms", "50"}});
	rd_kafka_poll_set_consumer(rk_.get());
}

void KafkaTopicSource::commit(const std::vector<TopicPartitionOffset> &offsets) {
	if (start_.group_id.empty() || offsets.empty()) {
		return;
	}
	PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
	for (const auto &o : offsets) {
		rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition)->offset = o.offset;
	}
	if (auto err = rd_kafka_commit(rk_.get(), list.get(), 0)) {
		throw StreamError("cannot commit offsets of " + topic_ + " to group " + start_.group_id + ": " +
		                  rd_kafka_err2str(err));
	}
}

int64_t KafkaTopicSource::start_offset(int32_t partition) {
	if (auto given = start_.offsets.find(partition); given != start_.offsets.end()) {
		return given->second;
	}
	int64_t low = 0, high = 0;
	auto timeout = static_cast<int>(std::chrono::milliseconds(kMetadataTimeout).count());
	// The end first: if no record at or after the start time is found below,
	// every record before this end is older, so the stream starts there.
	if (auto err = rd_kafka_query_watermark_offsets(rk_.get(), topic_.c_str(), partition, &low, &high, timeout)) {
		throw StreamError("cannot read the end of " + topic_ + ":" + std::to_string(partition) + ": " +
		                  rd_kafka_err2str(err));
	}
	if (start_.from_timestamp_ms < 0) {
		return high;
	}
	PartitionList list(rd_kafka_topic_partition_list_new(1));
	rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = start_.from_timestamp_ms;
	if (auto err = rd_kafka_offsets_for_times(rk_.get(), list.get(), timeout)) {
		throw StreamError("cannot find where " + topic_ + ":" + std::to_string(partition) + " reaches time " +
		                  std::to_string(start_.from_timestamp_ms) + ": " + rd_kafka_err2str(err));
	}
	const auto &element = list->elems[0];
	if (element.err) {
		throw StreamError("cannot find where " + topic_ + ":" + std::to_string(partition) + " reaches time " +
		                  std::to_string(start_.from_timestamp_ms) + ": " + rd_kafka_err2str(element.err));
	}
	return element.offset >= 0 ? element.offset : high;
}

void KafkaTopicSource::assign_new_partitions() {
	auto partitions = list_partitions(rk_.get(), topic_, kMetadataTimeout);
	if (partitions.size() <= assigned_) {
		return;
	}
	PartitionList fresh(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size() - assigned_)));
	for (size_t i = assigned_; i < partitions.size(); i++) {
		rd_kafka_topic_partition_list_add(fresh.get(), topic_.c_str(), partitions[i])->offset =
		    start_offset(partitions[i]);
	}
	// Incremental: partitions already assigned keep their positions.
	if (rd_kafka_error_t *error = rd_kafka_incremental_assign(rk_.get(), fresh.get())) {
		std::string reason = rd_kafka_error_string(error);
		rd_kafka_error_destroy(error);
		throw StreamError("cannot read topic " + topic_ + ": " + reason);
	}
	assigned_ = partitions.size();
}

bool KafkaTopicSource::poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) {
	auto now = std::chrono::steady_clock::now();
	if (now >= next_listing_) {
		assign_new_partitions();
		// Until the topic exists, look for it often.
		next_listing_ = now + (assigned_ == 0 ? std::chrono::seconds(1) : std::chrono::seconds(5));
	}
	consume_ready(rk_.get(), out, max, timeout);
	return true;
}

} // namespace kafkaml::stream
