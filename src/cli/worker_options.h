#pragma once

#include "cli/kafka_options.h"
#include "stream/kafka_client.h"

#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace kafkaml::cli {

//! Options every job process takes: where the server and Kafka are. The
//! token comes from the environment (KAFKAML_TOKEN), not the command line,
//! so that it does not show in `ps`; the Kafka client settings the server
//! gives its jobs come in a file only its user reads (--kafka-config).
struct WorkerOptions {
	std::string server = "http://127.0.0.1:8080";
	std::string bootstrap_servers = "127.0.0.1:9092";
	std::string control_topic = "control";
	KafkaOptions kafka;

	void add_to(CLI::App &command) {
		command
		    .add_option("--server", server,
		                "URL of the kafkaml server's REST API, or the URLs of several servers of one store separated "
		                "by commas (the first that answers)")
		    ->capture_default_str();
		command.add_option("--bootstrap-servers", bootstrap_servers, "Kafka bootstrap servers")->capture_default_str();
		command.add_option("--control-topic", control_topic, "topic of the control messages")->capture_default_str();
		kafka.add_to(command);
	}

	//! The cluster and the settings of every Kafka client of the job; logs
	//! the settings (secrets masked). Throws StreamError (user) on a bad one.
	stream::KafkaConfig kafka_config() const {
		stream::KafkaConfig config{bootstrap_servers, kafka.load()};
		if (!config.properties.empty()) {
			spdlog::info("Kafka client settings: {}", stream::describe_properties(config.properties));
		}
		return config;
	}

	//! KAFKAML_TOKEN, or the content of the file KAFKAML_TOKEN_FILE names
	//! (how a container gets it: not in `docker inspect`).
	static std::string token() {
		if (const char *token = std::getenv("KAFKAML_TOKEN")) {
			return token;
		}
		const char *file = std::getenv("KAFKAML_TOKEN_FILE");
		if (!file) {
			return "";
		}
		std::ifstream in(file);
		std::string token;
		if (!std::getline(in, token)) {
			throw std::runtime_error(std::string("cannot read the admin token from KAFKAML_TOKEN_FILE ") + file);
		}
		return token;
	}
};

} // namespace kafkaml::cli
