#include "client/cli_support.h"

#include "client/token.h"

#include <cstdio>
#include <cstdlib>

namespace kafkaml::client {

using nlohmann::json;

ApiClient Connection::client() const {
	return ApiClient(server, resolve_token(token, std::getenv("KAFKAML_TOKEN"), data_dir));
}

std::shared_ptr<Connection> add_connection_options(CLI::App &group) {
	auto connection = std::make_shared<Connection>();
	group.add_option("--server", connection->server, "URL of the Kafka-ML server")
	    ->envname("KAFKAML_SERVER")
	    ->capture_default_str();
	group.add_option("--token", connection->token,
	                 "admin token for changes (else env KAFKAML_TOKEN, else DATA_DIR/admin-token)");
	group.add_option("--data-dir", connection->data_dir, "data directory of `kafkaml up`, for its admin-token")
	    ->capture_default_str();
	group.add_flag("--json", connection->json_output, "print the server's JSON instead of a table");
	group.fallthrough();
	return connection;
}

void run_command(const std::function<void()> &body) {
	try {
		body();
	} catch (const ClientError &e) {
		std::fprintf(stderr, "error: %s\n", e.what());
		throw CLI::RuntimeError(1);
	}
}

void usage_error(const std::string &message) {
	std::fprintf(stderr, "error: %s\n", message.c_str());
	throw CLI::RuntimeError(2);
}

void print_list(const Connection &connection, const std::vector<Column> &columns, const json &value) {
	if (connection.json_output || !value.is_array()) {
		std::printf("%s\n", value.dump(2).c_str());
		return;
	}
	std::fputs(format_table(columns, value).c_str(), stdout);
}

void print_object(const Connection &connection, const json &value) {
	if (connection.json_output || !value.is_object()) {
		std::printf("%s\n", value.dump(2).c_str());
		return;
	}
	for (const auto &[key, field] : value.items()) {
		std::string text = field.is_string() ? field.get<std::string>() : field.dump();
		std::printf("%s: %s\n", key.c_str(), text.c_str());
	}
}

void add_get_by_id(CLI::App &group, const std::shared_ptr<Connection> &connection, const std::string &noun,
                   const std::string &collection) {
	auto id = std::make_shared<int64_t>();
	CLI::App *get = group.add_subcommand("get", "Show one " + noun);
	get->add_option("id", *id, noun + " id")->required();
	get->callback([connection, id, collection] {
		run_command(
		    [&] { print_object(*connection, connection->client().get(collection + "/" + std::to_string(*id))); });
	});
}

void add_delete_by_id(CLI::App &group, const std::shared_ptr<Connection> &connection, const std::string &noun,
                      const std::string &collection, const std::string &help) {
	auto id = std::make_shared<int64_t>();
	CLI::App *del = group.add_subcommand("delete", help);
	del->add_option("id", *id, noun + " id")->required();
	del->callback([connection, id, noun, collection] {
		run_command([&] {
			connection->client().del(collection + "/" + std::to_string(*id));
			std::printf("deleted %s %lld\n", noun.c_str(), static_cast<long long>(*id));
		});
	});
}

} // namespace kafkaml::client
