// `kafkaml datasources list|send ID --deployment D|delete ID [--records [--include-earlier]]`: data streams recorded
// from control messages, and their reuse for another deployment (only a new
// control message is sent; the data stays in the log). Main thread.

#include "cli/command_registry.h"
#include "client/cli_support.h"

namespace kafkaml::cli {

namespace {

using nlohmann::json;

void add_datasources_command(CLI::App &root) {
	CLI::App *group =
	    root.add_subcommand("datasources", "Data streams seen on the control topic: list, send (reuse), delete");
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
	// delete ID: forgets the datasource; with --records, deletes its records
	// from the log instead (the datasource stays, marked).
	struct DeleteArgs {
		int64_t id = 0;
		bool records = false;
		bool include_earlier = false;
	};
	auto del_args = std::make_shared<DeleteArgs>();
	CLI::App *del = group->add_subcommand(
	    "delete", "Forget a recorded stream (its records stay in the log), or with --records delete its records from "
	              "the log; refused while a deployment that is not finished uses it");
	del->add_option("id", del_args->id, "datasource id")->required();
	del->add_flag("--records", del_args->records,
	              "delete the stream's records from the log (Kafka DeleteRecords before its end offsets); it cannot "
	              "be sent again");
	del->add_flag("--include-earlier", del_args->include_earlier,
	              "with --records: also delete the records of other datasources that lie earlier in the same "
	              "partitions (everything before the offset goes)")
	    ->needs("--records");
	del->callback([conn, del_args] {
		client::run_command([&] {
			std::string path = "/datasources/" + std::to_string(del_args->id);
			if (!del_args->records) {
				conn->client().del(path);
				std::printf("deleted datasource %lld\n", static_cast<long long>(del_args->id));
				return;
			}
			json answer =
			    conn->client().del(path + "/records" + (del_args->include_earlier ? "?include_earlier=true" : ""));
			if (conn->json_output) {
				return client::print_object(*conn, answer);
			}
			for (const auto &p : answer.value("partitions", json::array())) {
				std::printf("deleted the records of %s:%lld before offset %lld\n", p.value("topic", "").c_str(),
				            static_cast<long long>(p.value("partition", 0)),
				            static_cast<long long>(p.value("before", int64_t(0))));
			}
			std::printf("the records of datasource %lld are deleted", static_cast<long long>(del_args->id));
			auto also = answer.value("also_deleted", json::array());
			if (!also.empty()) {
				std::printf(", and those of datasource(s) %s", also.dump().c_str());
			}
			std::printf("\n");
		});
	});
}

} // namespace

KAFKAML_REGISTER_COMMAND(45, add_datasources_command);

} // namespace kafkaml::cli
