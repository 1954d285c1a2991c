#pragma once

// How an inference names a Kafka cluster: by the name the server configured
// it under (`--kafka-cluster NAME=FILE`; "default" is the server's own), or
// by a bootstrap list "host:port[,host:port]" as the original Kafka-ML's
// input_kafka_broker and output_kafka_broker fields hold. The two never
// overlap: a name has no ':'.
//
// Thread: pure functions; any thread.

#include <string_view>

namespace kafkaml {

//! The name of the server's own cluster (--bootstrap-servers, --kafka-config).
inline constexpr const char *kDefaultKafkaCluster = "default";

//! 1 to 64 of a-z A-Z 0-9 . _ -, starting with a letter or digit: safe as a
//! file name and never a bootstrap list.
bool is_kafka_cluster_name(std::string_view text);

//! One or more comma-separated `host:port` (`[v6address]:port` too), with a
//! port of 1 to 65535 and no spaces.
bool is_bootstrap_list(std::string_view text);

} // namespace kafkaml
