#pragma once

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>

namespace kafkaml::cli {

//! Options every job process takes: where the server and Kafka are. The
//! token comes from the environment (KAFKAML_TOKEN), not the command line,
//! so that it does not show in `ps`.
struct WorkerOptions {
	std::string server = "http://127.0.0.1:8080";
	std::string bootstrap_servers = "127.0.0.1:9092";
	std::string control_topic = "control";

	void add_to(CLI::App &command) {
		command.add_option("--server", server, "URL of the kafkaml server's REST API")->capture_default_str();
		command.add_option("--bootstrap-servers", bootstrap_servers, "Kafka bootstrap servers")->capture_default_str();
		command.add_option("--control-topic", control_topic, "topic of the control messages")->capture_default_str();
	}

	static std::string token() {
		const char *token = std::getenv("KAFKAML_TOKEN");
		return token ? token : "";
	}
};

} // namespace kafkaml::cli
