#include "cli/command_registry.h"
#include "cli/kafka_options.h"
#include "cli/server_options.h"
#include "common/private_files.h"
#include "common/signals.h"
#include "server/server_app.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

namespace kafkaml::cli {
namespace {

void add_server_command(CLI::App &root) {
	auto *command = root.add_subcommand(
	    "server", "Run the REST API, web UI, control logger and job orchestrator against a Kafka cluster");
	auto config = std::make_shared<server::ServerConfig>();
	auto data_dir = std::make_shared<std::string>("kafkaml-data");
	command->add_option("--listen", config->listen, "host:port of the REST API and web UI (port 0: any free port)")
	    ->capture_default_str();
	command->add_option("--bootstrap-servers", config->bootstrap_servers, "Kafka bootstrap servers")
	    ->capture_default_str();
	command->add_option("--store", config->store_url,
	                    "metadata store: sqlite:PATH or postgresql://USER@HOST/DB (default: SQLite in --data-dir)");
	command->add_option("--data-dir", *data_dir, "where the token, the default database and job logs live")
	    ->capture_default_str();
	command->add_option("--control-topic", config->control_topic, "topic of the control messages")
	    ->capture_default_str();
	command->add_option("--web-root", config->web_root, "directory of the built web UI (default: found by itself)");
	command
	    ->add_option("--server-urls", config->server_urls,
	                 "with several servers on one --store: the REST API of each, the same list on every server "
	                 "(comma-separated); jobs report to the first that answers and outlive the server that started "
	                 "them (default: this server's own)")
	    ->delimiter(',');
	add_job_options(*command, *config);
	auto kafka = std::make_shared<KafkaOptions>();
	kafka->add_to(*command);
	auto clusters = std::make_shared<KafkaClusterOptions>();
	clusters->add_to(*command);
	command->callback([config, data_dir, kafka, clusters] {
		ShutdownSignal::install();
		private_files_from_now_on();
		config->data_dir = *data_dir;
		config->kafka_properties = kafka->load();
		config->kafka_clusters = clusters->load();
		server::ServerApp app(*config);
		app.start();
		// First line: the URL, for scripts and tests that start the server.
		std::printf("%s\n", app.url().c_str());
		std::fflush(stdout);
		spdlog::info("server: REST API and web UI at {}/ ; admin token in {}; metrics scrape token in {}", app.url(),
		             app.token_file().string(), app.metrics_token_file().string());
		if (!app.metrics_url().empty()) {
			spdlog::info("server: metrics without a token at {}", app.metrics_url());
		}
		while (!ShutdownSignal::wait_for(std::chrono::seconds(1))) {
		}
		spdlog::info("server: stopping");
		app.stop();
	});
}

KAFKAML_REGISTER_COMMAND(2, add_server_command);

} // namespace
} // namespace kafkaml::cli
