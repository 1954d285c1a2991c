// `kafkaml broker`: runs the embedded Kafka-compatible broker until SIGTERM/SIGINT;
// `kafkaml broker users`: its SASL users.
#include "broker/broker.h"
#include "broker/sasl/credentials.h"
#include "broker/sasl/user_store.h"
#include "cli/command_registry.h"
#include "common/private_files.h"
#include "common/signals.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace {

struct BrokerOptions {
	kafkaml::broker::BrokerConfig config;
	std::string fsync = "interval";
	std::string data_dir;
	int64_t retention_check_ms = 10000;
	int64_t offsets_retention_minutes = 7 * 24 * 60;
	std::string listeners;
	std::string advertised_listeners;
	std::string client_auth = "none";
	std::string sasl_mechanisms = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512";
};

std::vector<std::string> split_commas(const std::string &text) {
	std::vector<std::string> out;
	std::stringstream in(text);
	for (std::string item; std::getline(in, item, ',');) {
		if (!item.empty()) {
			out.push_back(item);
		}
	}
	return out;
}

struct UsersOptions {
	std::string data_dir;
	std::string name;
	std::string mechanism;
};

//! `kafkaml broker users add|remove|list`: edits DATA_DIR/sasl-users.json,
//! which a running broker re-reads at the next authentication.
void add_users_command(CLI::App &broker) {
	auto options = std::make_shared<UsersOptions>();
	auto *users = broker.add_subcommand("users", "SASL users of the broker (kept hashed in DATA_DIR/sasl-users.json; "
	                                             "a running broker sees changes at once)");
	users->require_subcommand(1);
	auto *add = users->add_subcommand("add", "Add a user, or set its password for a mechanism; the password is read "
	                                         "from standard input (one trailing newline removed)");
	add->add_option("name", options->name, "user name")->required();
	add->add_option("--mechanism", options->mechanism, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	    ->required()
	    ->check(CLI::IsMember({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}));
	add->add_option("--data-dir", options->data_dir, "the broker's data directory")->required();
	add->callback([options] {
		std::string password((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
		if (!password.empty() && password.back() == '\n') {
			password.pop_back();
			if (!password.empty() && password.back() == '\r') {
				password.pop_back();
			}
		}
		if (password.empty()) {
			throw std::runtime_error("no password on standard input: pipe it in, e.g. echo -n SECRET | kafkaml broker "
			                         "users add NAME --mechanism PLAIN --data-dir DIR");
		}
		kafkaml::make_private_directory(options->data_dir);
		kafkaml::broker::sasl::UserStore store(options->data_dir);
		store.add(options->name, kafkaml::broker::sasl::make_credential(options->mechanism, password));
		std::printf("user %s: %s credential stored\n", options->name.c_str(), options->mechanism.c_str());
	});
	auto *remove = users->add_subcommand("remove", "Remove a user (every mechanism, or the one given)");
	remove->add_option("name", options->name, "user name")->required();
	remove->add_option("--mechanism", options->mechanism, "remove only this mechanism's credential")
	    ->check(CLI::IsMember({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}));
	remove->add_option("--data-dir", options->data_dir, "the broker's data directory")->required();
	remove->callback([options] {
		kafkaml::broker::sasl::UserStore store(options->data_dir);
		if (!store.remove(options->name, options->mechanism)) {
			throw std::runtime_error("no user '" + options->name + "'" +
			                         (options->mechanism.empty() ? "" : " with " + options->mechanism) + " in " +
			                         options->data_dir + " (see `kafkaml broker users list`)");
		}
		std::printf("user %s removed\n", options->name.c_str());
	});
	auto *list = users->add_subcommand("list", "List user names and their mechanisms");
	list->add_option("--data-dir", options->data_dir, "the broker's data directory")->required();
	list->callback([options] {
		kafkaml::broker::sasl::UserStore store(options->data_dir);
		for (const auto &[name, mechanisms] : store.list()) {
			std::string joined;
			for (const auto &m : mechanisms) {
				joined += (joined.empty() ? "" : ",") + m;
			}
			std::printf("%s\t%s\n", name.c_str(), joined.c_str());
		}
	});
}

void add_broker_command(CLI::App &root) {
	auto options = std::make_shared<BrokerOptions>();
	auto *cmd = root.add_subcommand("broker", "Run the embedded Kafka-compatible broker (persistent log on disk)");
	auto &c = options->config;
	cmd->add_option("--listen", c.listen, "host:port to listen on; port 0 picks a free port, printed first on stdout")
	    ->capture_default_str();
	cmd->add_option("--data-dir", options->data_dir, "directory of the topic logs (created if missing)");
	cmd->add_option("--advertised-listener", c.advertised_listener,
	                "host:port clients are told to connect to (default: the listen address)");
	cmd->add_option("--listeners", options->listeners,
	                "listeners in Kafka's syntax, e.g. PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093 "
	                "(PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL; port 0 picks a free port); each bound one is "
	                "printed on stdout as PROTOCOL://host:port. Replaces --listen");
	cmd->add_option("--advertised-listeners", options->advertised_listeners,
	                "per protocol, what clients of that listener are told to connect to, e.g. "
	                "SASL_SSL://broker.example:9093 (default: the bound address)");
	cmd->add_option("--ssl-cert-file", c.tls.cert_file, "PEM certificate (chain) of SSL/SASL_SSL listeners");
	cmd->add_option("--ssl-key-file", c.tls.key_file, "PEM private key of --ssl-cert-file (unencrypted)");
	cmd->add_option("--ssl-ca-file", c.tls.ca_file, "PEM CAs that client certificates must chain to");
	cmd->add_option("--ssl-client-auth", options->client_auth,
	                "client certificates on TLS listeners: none, requested (verified when sent) or required")
	    ->capture_default_str()
	    ->check(CLI::IsMember({"none", "requested", "required"}));
	cmd->add_option("--sasl-enabled-mechanisms", options->sasl_mechanisms,
	                "SASL mechanisms of SASL listeners (users: `kafkaml broker users`)")
	    ->capture_default_str();
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
	add_users_command(*cmd);
	cmd->callback([options, cmd] {
		if (cmd->get_subcommand("users")->parsed()) {
			return;
		}
		if (options->data_dir.empty()) {
			throw CLI::RequiredError("--data-dir");
		}
		auto config = options->config;
		if (!options->listeners.empty()) {
			config.listeners = kafkaml::broker::parse_listeners(options->listeners, "--listeners");
		}
		if (!options->advertised_listeners.empty()) {
			config.advertised_listeners =
			    kafkaml::broker::parse_listeners(options->advertised_listeners, "--advertised-listeners");
		}
		config.tls.client_auth = kafkaml::broker::parse_client_auth(options->client_auth);
		config.sasl_mechanisms = split_commas(options->sasl_mechanisms);
		for (const auto &m : config.sasl_mechanisms) {
			if (!kafkaml::broker::sasl::known_mechanism(m)) {
				throw std::invalid_argument("--sasl-enabled-mechanisms: unknown mechanism '" + m +
				                            "' (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)");
			}
		}
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
		if (options->listeners.empty()) {
			std::printf("%s\n", broker.listen_address().c_str());
		} else {
			for (const auto &l : broker.listeners()) {
				std::printf("%s://%s\n", kafkaml::broker::protocol_name(l.protocol), l.listen_address.c_str());
			}
		}
		std::fflush(stdout);
		while (!kafkaml::ShutdownSignal::wait_for(std::chrono::milliseconds(1000))) {
		}
		broker.stop();
	});
}

} // namespace

KAFKAML_REGISTER_COMMAND(20, add_broker_command);
