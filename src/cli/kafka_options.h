#pragma once

// The Kafka client settings every command that talks to Kafka takes:
// `--kafka-config FILE` (librdkafka properties, one name=value a line) and
// repeatable `-X name=value` over it. Read and checked when the command
// runs, so a mistake is named (FILE:LINE, or the option) before anything
// starts.

#include "stream/kafka_clusters.h"
#include "stream/kafka_settings.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace kafkaml::cli {

struct KafkaOptions {
	std::string config_file;
	std::vector<std::string> overrides; //!< -X name=value, in order

	void add_to(CLI::App &command) {
		command.add_option("--kafka-config", config_file,
		                   "Kafka client settings: a file of librdkafka properties, one name=value a line (# "
		                   "comments), e.g. security.protocol, sasl.*, ssl.*");
		command.add_option("-X,--kafka-property", overrides,
		                   "a librdkafka property name=value, over --kafka-config (repeatable)");
	}

	//! The file's properties with the -X ones over them. Throws StreamError (user).
	stream::KafkaProperties load() const { return stream::load_properties(config_file, overrides); }
};

//! `--kafka-cluster NAME=FILE` of `server` and `up`: named clusters an
//! inference may read its input from or write its predictions to.
struct KafkaClusterOptions {
	std::vector<std::string> clusters; //!< NAME=FILE, in order

	void add_to(CLI::App &command) {
		command.add_option("--kafka-cluster", clusters,
		                   "a Kafka cluster inferences may name for their input or output: NAME=FILE, FILE "
		                   "holding its librdkafka properties as --kafka-config does, with bootstrap.servers, and "
		                   "readable by this user only (repeatable; the server's own cluster is \"default\")");
	}

	//! Each file read and checked. Throws StreamError (user).
	std::vector<stream::KafkaCluster> load() const {
		std::vector<stream::KafkaCluster> loaded;
		for (const auto &option : clusters) {
			loaded.push_back(stream::read_kafka_cluster(option));
		}
		// Repeated names are refused here too, before anything starts.
		stream::KafkaClusters check({}, loaded);
		return loaded;
	}
};

} // namespace kafkaml::cli
