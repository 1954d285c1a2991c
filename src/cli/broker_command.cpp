// `kafkaml broker`: runs the embedded Kafka-compatible broker until SIGTERM/SIGINT.
#include "broker/broker.h"
#include "cli/command_registry.h"
#include "common/private_files.h"
#include "common/signals.h"

#include <cstdio>
#include <memory>

namespace {

struct BrokerOptions {
	kafkaml::broker::BrokerConfig config;
	std::string fsync = "interval";
	std::string data_dir;
	int64_t retention_check_ms = 10000;
	int64_t offsets_retention_minutes = 7 * 24 * 60;
};

void add_broker_command(CLI::App &root) {
	auto options = std::make_shared<BrokerOptions>();
	auto *cmd = root.add_subcommand("broker", "Run the embedded Kafka-compatible broker (persistent log on disk)");
	auto &c = options->config;
	cmd->add_option("--listen", c.listen, "host:port to listen on; port 0 picks a free port, printed first on stdout")
	    ->capture_default_str();
	cmd->add_option("--data-dir", options->data_dir, "directory of the topic logs (created if missing)")->required();
	cmd->add_option("--advertised-listener", c.advertised_listener,
	                "host:port clients are told to connect to (default: the listen address)");
	cmd->add_option("--num-partitions", c.num_partitions, "partitions of auto-created topics")
	    ->capture_default_str()
	    ->check(CLI::Range(1, 10000));
	cmd->add_option("--fsync", options->fsync,
	                "always: fsync before each acknowledgement; interval: every second; never: leave it to the OS "
	                "(batches are written to the log file before acknowledgement in every mode)")
	    ->capture_default_str()
	    ->check(CLI::IsMember({"always", "interval", "never"}));
	cmd->add_option("--retention-ms", c.log.retention_ms, "default retention.ms of topics (-1: forever)")
	    ->capture_default_str();
	cmd->add_option("--retention-bytes", c.log.retention_bytes, "default retention.bytes per partition (-1: unlimited)")
	    ->capture_default_str();
	cmd->add_option("--segment-bytes", c.log.segment_bytes, "default segment.bytes (segment roll size)")
	    ->capture_default_str()
	    ->check(CLI::Range(int64_t{1024}, int64_t{1} << 40));
	cmd->add_option("--retention-check-ms", options->retention_check_ms, "how often retention runs")
	    ->capture_default_str()
	    ->check(CLI::Range(int64_t{10}, int64_t{1} << 40));
	cmd->add_option("--offsets-retention-minutes", options->offsets_retention_minutes,
	                "committed offsets of consumer groups without members are dropped this long after their commit")
	    ->capture_default_str()
	    ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
	cmd->add_flag("!--no-auto-create-topics", c.auto_create_topics, "refuse to create topics on first use");
	cmd->callback([options] {
		auto config = options->config;
		config.data_dir = options->data_dir;
		config.fsync = kafkaml::broker::parse_fsync_policy(options->fsync);
		config.retention_check_interval = std::chrono::milliseconds(options->retention_check_ms);
		config.offsets_retention = std::chrono::minutes(options->offsets_retention_minutes);
		kafkaml::ShutdownSignal::install();
		kafkaml::private_files_from_now_on();
		kafkaml::make_private_directory(config.data_dir);
		kafkaml::broker::Broker broker(config);
		broker.start();
		// The bound address, not the advertised one: with --listen :0 it is the
		// only place the chosen port is told.
		std::printf("%s\n", broker.listen_address().c_str());
		std::fflush(stdout);
		while (!kafkaml::ShutdownSignal::wait_for(std::chrono::milliseconds(1000))) {
		}
		broker.stop();
	});
}

} // namespace

KAFKAML_REGISTER_COMMAND(20, add_broker_command);
