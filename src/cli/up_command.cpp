#include "broker/broker.h"
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

struct UpOptions {
	std::string data_dir = "kafkaml-data";
	std::string listen = "127.0.0.1:8080";
	std::string broker_listen = "127.0.0.1:9092";
	std::string store_url;
	std::string control_topic = "control";
	int32_t partitions = 1;
	server::ServerConfig jobs; //!< the job options of add_job_options
	KafkaOptions kafka;        //!< settings of the server's and the jobs' Kafka clients
	KafkaClusterOptions clusters;
};

void add_up_command(CLI::App &root) {
	auto *command = root.add_subcommand(
	    "up", "Start everything on embedded defaults: a Kafka-compatible broker, the REST API and web UI, "
	          "and local training/inference jobs");
	auto options = std::make_shared<UpOptions>();
	command->add_option("--data-dir", options->data_dir, "where the log, the database and job logs live")
	    ->capture_default_str();
	command->add_option("--listen", options->listen, "host:port of the web UI and REST API")->capture_default_str();
	command->add_option("--broker-listen", options->broker_listen, "host:port of the embedded Kafka broker")
	    ->capture_default_str();
	command->add_option("--store", options->store_url,
	                    "metadata store: sqlite:PATH or postgresql://... (default: SQLite in the data dir)");
	command->add_option("--control-topic", options->control_topic, "topic of the control messages")
	    ->capture_default_str();
	command->add_option("--partitions", options->partitions, "partitions of auto-created topics")
	    ->capture_default_str();
	add_job_options(*command, options->jobs);
	options->kafka.add_to(*command);
	options->clusters.add_to(*command);
	command->callback([options] {
		ShutdownSignal::install();
		// Checked before the broker starts: a mistake ends the command at once.
		auto kafka_properties = options->kafka.load();
		auto kafka_clusters = options->clusters.load();
		private_files_from_now_on();
		make_private_directory(options->data_dir);
		std::filesystem::path data_dir = options->data_dir;
		broker::BrokerConfig broker_config;
		broker_config.listen = options->broker_listen;
		broker_config.data_dir = data_dir / "broker";
		broker_config.num_partitions = options->partitions;
		broker::Broker broker(broker_config);
		std::string bootstrap;
		try {
			bootstrap = broker.start();
		} catch (const std::exception &e) {
			throw std::runtime_error(std::string("the embedded broker could not start: ") + e.what() +
			                         " (is another broker on " + options->broker_listen +
			                         "? pick another with --broker-listen)");
		}

		server::ServerConfig server_config = options->jobs;
		server_config.listen = options->listen;
		server_config.store_url = options->store_url;
		server_config.bootstrap_servers = bootstrap;
		server_config.kafka_properties = kafka_properties;
		server_config.kafka_clusters = kafka_clusters;
		server_config.control_topic = options->control_topic;
		server_config.data_dir = data_dir;
		server::ServerApp app(server_config);
		try {
			app.start();
		} catch (const server::ExecutorUnavailable &e) {
			broker.stop();
			throw std::runtime_error(std::string("the server could not start: ") + e.what());
		} catch (const std::exception &e) {
			broker.stop();
			throw std::runtime_error(std::string("the server could not start: ") + e.what() +
			                         " (is the port of --listen " + options->listen + " taken?)");
		}
		std::printf("kafka-ml is up.\n"
		            "  Web UI and REST API: %s/\n"
		            "  Kafka bootstrap:     %s\n"
		            "  Admin token:         %s  (also in %s; user admin)\n"
		            "  Metrics scrape token: in %s\n",
		            app.url().c_str(), bootstrap.c_str(), app.token().c_str(), app.token_file().c_str(),
		            app.metrics_token_file().c_str());
		if (!app.metrics_url().empty()) {
			std::printf("  Metrics (no token):  %s\n", app.metrics_url().c_str());
		}
		std::printf("Make users and tokens with: kafkaml users add NAME --role viewer; kafkaml tokens create --user "
		            "NAME\nPress Ctrl-C to stop.\n");
		std::fflush(stdout);
		while (!ShutdownSignal::wait_for(std::chrono::seconds(1))) {
		}
		spdlog::info("stopping: jobs, server, broker");
		app.stop();
		broker.stop();
	});
}

KAFKAML_REGISTER_COMMAND(1, add_up_command);

} // namespace
} // namespace kafkaml::cli
