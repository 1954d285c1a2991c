#include "sender/kafka_cluster.h"

#include "stream/admin.h"
#include "stream/kafka_sink.h"

namespace kafkaml::sender {

void KafkaCluster::check_reachable(const stream::KafkaConfig &config, std::chrono::milliseconds timeout) {
	stream::check_reachable(config, timeout);
}

std::vector<int32_t> KafkaCluster::list_partitions(const stream::KafkaConfig &config, const std::string &topic,
                                                   std::chrono::milliseconds timeout) {
	return stream::list_partitions(config, topic, timeout);
}

std::unique_ptr<stream::Sink> KafkaCluster::open_sink(const stream::KafkaConfig &config,
                                                      const std::vector<std::string> &topics) {
	return std::make_unique<stream::KafkaSink>(config, topics);
}

} // namespace kafkaml::sender
