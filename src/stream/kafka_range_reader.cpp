#include "stream/kafka_range_reader.h"

#include "stream/admin.h"
#include "stream/stream_error.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace kafkaml::stream {

Record to_record(const rd_kafka_message_t *message) {
	Record record;
	record.topic = rd_kafka_topic_name(message->rkt);
	record.partition = message->partition;
	record.offset = message->offset;
	if (message->key) {
		record.key = std::string(static_cast<const char *>(message->key), message->key_len);
	}
	if (message->payload) {
		record.value.assign(static_cast<const char *>(message->payload), message->len);
	}
	rd_kafka_timestamp_type_t type;
	record.timestamp_ms = rd_kafka_message_timestamp(message, &type);
	rd_kafka_headers_t *headers = nullptr;
	if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
		const char *name;
		const void *value;
		size_t size;
		for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
		     i++) {
			Header header{name, std::nullopt};
			if (value) {
				header.value = std::string(static_cast<const char *>(value), size);
			}
			record.headers.push_back(std::move(header));
		}
	}
	return record;
}

size_t consume_ready(rd_kafka_t *rk, std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	size_t added = 0;
	while (added < max) {
		// Once we have something, hand it over rather than wait for more.
		int wait = added > 0 ? 0 : remaining_ms(deadline);
		rd_kafka_message_t *message = rd_kafka_consumer_poll(rk, wait);
		if (!message) {
			if (wait == 0 || remaining_ms(deadline) == 0) {
				break;
			}
			continue;
		}
		std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t *)> guard(message, rd_kafka_message_destroy);
		if (message->err) {
			if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				continue;
			}
			char reason[256];
			if (rd_kafka_fatal_error(rk, reason, sizeof(reason))) {
				throw StreamError(std::string("Kafka consumer failed: ") + reason);
			}
			spdlog::warn("consumer: {}", rd_kafka_message_errstr(message));
			continue;
		}
		out.push_back(to_record(message));
		added++;
	}
	return added;
}

KafkaRangeReader::KafkaRangeReader(const KafkaConfig &config, std::vector<formats::Range> ranges,
                                   std::chrono::milliseconds beyond_end_timeout)
    : ranges_(std::move(ranges)), beyond_end_timeout_(beyond_end_timeout) {
	// group.id only satisfies librdkafka; assign() never joins the group and
	// nothing is committed.
	rk_ = make_client(RD_KAFKA_CONSUMER, config,
	                  {{"group.id", "kafkaml-range-reader"},
	                   {"enable.auto.commit", "false"},
	                   {"enable.auto.offset.store", "false"},
	                   {"enable.partition.eof", "true"},
	                   {"auto.offset.reset", "error"},
	                   {"isolation.level", "read_committed"},
	                   {"fetch.wait.max.ms", "50"}});
	rd_kafka_poll_set_consumer(rk_.get());
}

void KafkaRangeReader::start_range() {
	while (current_ < ranges_.size() && ranges_[current_].size() == 0) {
		current_++;
	}
	if (current_ == ranges_.size()) {
		return;
	}
	const auto &range = ranges_[current_];
	PartitionList list(rd_kafka_topic_partition_list_new(1));
	rd_kafka_topic_partition_list_add(list.get(), range.topic.c_str(), range.partition)->offset = range.start;
	if (auto err = rd_kafka_assign(rk_.get(), list.get())) {
		throw StreamError("cannot assign " + formats::format_range_list({range}) + ": " + rd_kafka_err2str(err));
	}
	assigned_ = true;
	log_end_ = -1;
	waiting_since_ = std::chrono::steady_clock::now();
}

void KafkaRangeReader::finish_range() {
	rd_kafka_assign(rk_.get(), nullptr);
	assigned_ = false;
	current_++;
}

void KafkaRangeReader::fail_beyond_end() {
	const auto &range = ranges_[current_];
	int64_t low = -1, high = -1;
	rd_kafka_query_watermark_offsets(rk_.get(), range.topic.c_str(), range.partition, &low, &high, 5000);
	throw RangeError("range " + formats::format_range_list({range}) + " goes beyond the end of the log (" +
	                 range.topic + " partition " + std::to_string(range.partition) + " holds offsets " +
	                 std::to_string(low) + ".." + std::to_string(high) +
	                 "): the control message names records that are not there (deleted by retention, or a "
	                 "different cluster?)");
}

void KafkaRangeReader::fail_unreadable() {
	const auto &range = ranges_[current_];
	std::string where = range.topic + ":" + std::to_string(range.partition);
	std::string waited = std::to_string(beyond_end_timeout_.count()) + " ms";
	std::vector<int32_t> partitions;
	try {
		partitions = list_partitions(rk_.get(), range.topic, std::chrono::seconds(5));
	} catch (const StreamError &e) {
		throw StreamError("range " + formats::format_range_list({range}) + ": nothing came from " + where + " within " +
		                  waited + ", and " + e.what());
	}
	if (partitions.empty()) {
		throw RangeError("range " + formats::format_range_list({range}) + ": topic:partition " + where +
		                 " does not exist: this cluster has no topic '" + range.topic +
		                 "' (a different cluster, or was the topic deleted?)");
	}
	if (std::find(partitions.begin(), partitions.end(), range.partition) == partitions.end()) {
		throw RangeError("range " + formats::format_range_list({range}) + ": topic:partition " + where +
		                 " does not exist: topic '" + range.topic + "' has partitions " +
		                 std::to_string(partitions.front()) + ".." + std::to_string(partitions.back()));
	}
	throw StreamError("range " + formats::format_range_list({range}) + ": nothing came from " + where + " within " +
	                  waited + " although it exists (is its leader down?)");
}

bool KafkaRangeReader::poll_batch(std::vector<Record> &out, size_t max, std::chrono::milliseconds timeout) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	size_t added = 0;
	while (added < max) {
		if (!assigned_) {
			start_range();
			if (current_ == ranges_.size()) {
				return false;
			}
		}
		const auto &range = ranges_[current_];
		// Once we have something, hand it over rather than wait for more.
		int wait = added > 0 ? 0 : remaining_ms(deadline);
		rd_kafka_message_t *message = rd_kafka_consumer_poll(rk_.get(), wait);
		if (!message) {
			if (std::chrono::steady_clock::now() - waiting_since_ > beyond_end_timeout_) {
				// No end of the log seen at all: librdkafka reports a missing
				// topic or partition at most once, if ever, so ask.
				if (log_end_ < 0) {
					fail_unreadable();
				}
				if (log_end_ < range.end) {
					fail_beyond_end();
				}
			}
			if (wait == 0 || remaining_ms(deadline) == 0) {
				return true;
			}
			continue;
		}
		std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t *)> guard(message, rd_kafka_message_destroy);
		if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			// The EOF offset is the partition's end: past it there is nothing
			// of this range left, even if its last offsets were gaps.
			if (message->offset >= range.end) {
				finish_range();
				continue;
			}
			if (message->offset > log_end_) {
				waiting_since_ = std::chrono::steady_clock::now();
			}
			log_end_ = message->offset;
			if (std::chrono::steady_clock::now() - waiting_since_ > beyond_end_timeout_) {
				fail_beyond_end();
			}
			continue;
		}
		if (message->err) {
			if (message->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
			    message->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
				throw RangeError(
				    "range " + formats::format_range_list({range}) +
				    " starts outside the log (deleted by retention?): " + rd_kafka_message_errstr(message));
			}
			if (message->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
			    message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
			    message->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
				if (std::chrono::steady_clock::now() - waiting_since_ > beyond_end_timeout_) {
					fail_unreadable();
				}
				continue;
			}
			if (rd_kafka_fatal_error(rk_.get(), nullptr, 0)) {
				throw StreamError(std::string("Kafka consumer failed: ") + rd_kafka_message_errstr(message));
			}
			continue; // transient (broker down, rebalancing leader): librdkafka retries
		}
		if (rd_kafka_topic_name(message->rkt) != range.topic || message->partition != range.partition ||
		    message->offset < range.start) {
			continue; // a late fetch of the previous assignment
		}
		if (message->offset >= range.end) {
			finish_range();
			continue;
		}
		out.push_back(to_record(message));
		added++;
		waiting_since_ = std::chrono::steady_clock::now();
		if (message->offset + 1 >= range.end) {
			finish_range();
		}
	}
	return true;
}

} // namespace kafkaml::stream
