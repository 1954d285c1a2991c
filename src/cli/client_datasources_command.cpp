// `kafkaml datasources list|send ID --deployment D`: data streams recorded
// from control messages, and their reuse for another deployment (only a new
// control message is sent; the data stays in the log). Main thread.

#include "cli/command_registry.h"
#include "client/cli_support.h"

namespace kafkaml::cli {

namespace {

using nlohmann::json;

void add_datasources_command(CLI::App &root) {
	CLI::App *group = root.add_subcommand("datasources", "Data streams seen on the control topic: list, send (reuse)");
	group->require_subcommand(1);
	auto conn = client::add_connection_options(*group);

	group->add_subcommand("list", "List the recorded data streams")->callback([conn] {
		client::run_command([&] {
			client::print_list(*conn,
			                   {{"ID", "id"},
			                    {"DEPLOYMENT", "deployment"},
			                    {"TOPIC", "topic"},
			                    {"FORMAT", "input_format"},
			                    {"TOTAL_MSG", "total_msg"},
			                    {"VAL_RATE", "validation_rate"},
			                    {"TEST_RATE", "test_rate"},
			                    {"DESCRIPTION", "description"}},
			                   conn->client().get("/datasources"));
		});
	});

	auto id = std::make_shared<int64_t>();
	auto deployment = std::make_shared<int64_t>();
	CLI::App *send = group->add_subcommand("send", "Reuse a recorded stream for another deployment");
	send->add_option("id", *id, "datasource id")->required();
	send->add_option("--deployment", *deployment, "deployment to train on it")->required();
	send->callback([conn, id, deployment] {
		client::run_command([&] {
			json answer =
			    conn->client().post("/datasources/" + std::to_string(*id) + "/send", {{"deployment", *deployment}});
			if (conn->json_output) {
				return client::print_object(*conn, answer);
			}
			std::printf("sent datasource %lld to deployment %lld\n", static_cast<long long>(*id),
			            static_cast<long long>(*deployment));
		});
	});
}

} // namespace

KAFKAML_REGISTER_COMMAND(45, add_datasources_command);

} // namespace kafkaml::cli
