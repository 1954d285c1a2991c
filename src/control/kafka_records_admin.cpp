#include "control/kafka_records_admin.h"

#include <stdexcept>

namespace kafkaml::control {

std::vector<operations::RecordsCutResult>
KafkaRecordsAdmin::delete_records(const std::vector<operations::RecordsCut> &cuts) {
	std::lock_guard lock(mutex_);
	auto rk = stream::make_client(RD_KAFKA_PRODUCER, kafka_, {});
	stream::PartitionList offsets(rd_kafka_topic_partition_list_new(static_cast<int>(cuts.size())));
	for (const auto &cut : cuts) {
		rd_kafka_topic_partition_list_add(offsets.get(), cut.topic.c_str(), cut.partition)->offset = cut.before;
	}
	rd_kafka_DeleteRecords_t *request = rd_kafka_DeleteRecords_new(offsets.get());
	rd_kafka_AdminOptions_t *options = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_DELETERECORDS);
	char error[512];
	rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout_.count()), error, sizeof(error));
	rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout_.count()), error, sizeof(error));
	rd_kafka_queue_t *queue = rd_kafka_queue_new(rk.get());
	rd_kafka_DeleteRecords(rk.get(), &request, 1, options, queue);
	rd_kafka_event_t *event = rd_kafka_queue_poll(queue, static_cast<int>(timeout_.count()) + 5000);
	std::string failure;
	std::vector<operations::RecordsCutResult> out;
	if (!event) {
		failure = "no answer within " + std::to_string(timeout_.count()) + " ms";
	} else if (rd_kafka_event_error(event)) {
		failure =
		    std::string(rd_kafka_err2name(rd_kafka_event_error(event))) + ": " + rd_kafka_event_error_string(event);
	} else {
		const rd_kafka_topic_partition_list_t *answered =
		    rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event));
		for (int i = 0; answered && i < answered->cnt; i++) {
			const auto &p = answered->elems[i];
			operations::RecordsCutResult result;
			result.cut.topic = p.topic;
			result.cut.partition = p.partition;
			for (const auto &cut : cuts) {
				if (cut.topic == p.topic && cut.partition == p.partition) {
					result.cut.before = cut.before;
				}
			}
			if (p.err < 0) {
				// A client-side error (librdkafka's own, e.g. _UNSUPPORTED_FEATURE
				// when the cluster does not offer DeleteRecords): not the
				// cluster's answer about this partition, so the request failed.
				failure =
				    std::string(rd_kafka_err2name(p.err)) + ": " + rd_kafka_err2str(p.err) +
				    (p.err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ? " (the cluster does not support DeleteRecords)"
				                                                     : "");
				break;
			}
			if (p.err) {
				result.error = rd_kafka_err2name(p.err);
				result.message = rd_kafka_err2str(p.err);
			} else {
				result.low_watermark = p.offset;
			}
			out.push_back(std::move(result));
		}
	}
	if (event) {
		rd_kafka_event_destroy(event);
	}
	rd_kafka_queue_destroy(queue);
	rd_kafka_AdminOptions_destroy(options);
	rd_kafka_DeleteRecords_destroy(request);
	if (!failure.empty()) {
		throw std::runtime_error("DeleteRecords failed at " + kafka_.bootstrap_servers + ": " + failure);
	}
	return out;
}

} // namespace kafkaml::control
