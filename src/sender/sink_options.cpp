#include "sender/sink_options.h"

#include "stream/kafka_settings.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace kafkaml::sender {

stream::DataSinkOptions sink_options(const SendOptions &options, Cluster &cluster) {
	stream::DataSinkOptions sink_options;
	sink_options.kafka.bootstrap_servers = options.bootstrap_servers;
	sink_options.kafka.properties = stream::load_properties(options.kafka_config, options.properties);
	sink_options.topic = options.topic;
	sink_options.deployment_id = std::max<int64_t>(options.deployment_id, 0);
	sink_options.control_topic = options.control_topic;
	sink_options.description = options.description;
	sink_options.validation_rate = options.validation_rate;
	sink_options.test_rate = options.test_rate;
	// Before any record: a cluster that is not there would otherwise cost
	// a minute of delivery retries, and of librdkafka logs, first.
	std::chrono::milliseconds timeout(options.timeout_ms);
	cluster.check_reachable(sink_options.kafka, timeout);
	if (options.partitions.empty() && options.inference) {
		// Inference inputs have no ranges to keep together: spread them over
		// every partition, so that each replica of the inference gets its
		// share. A topic not made yet is auto-created, and gets partition 0.
		sink_options.partitions = cluster.list_partitions(sink_options.kafka, options.topic, timeout);
	} else if (options.partitions == "all") {
		sink_options.partitions = cluster.list_partitions(sink_options.kafka, options.topic, timeout);
		if (sink_options.partitions.empty()) {
			throw SendError("topic " + options.topic + " does not exist; create it or name --partitions");
		}
	} else if (!options.partitions.empty()) {
		std::stringstream list(options.partitions);
		std::string item;
		while (std::getline(list, item, ',')) {
			int32_t partition = -1;
			auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), partition);
			if (ec != std::errc() || end != item.data() + item.size() || partition < 0) {
				throw SendError("--partitions wants partition numbers like 0,1,2 or 'all', got '" + item + "'");
			}
			sink_options.partitions.push_back(partition);
		}
	}
	return sink_options;
}

} // namespace kafkaml::sender
