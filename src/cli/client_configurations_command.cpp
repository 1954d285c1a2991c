// `kafkaml configurations list|get ID|create --name N --models 1,2|delete ID`:
// groups of models trained together on one stream (the REST API). Main thread.

#include "cli/command_registry.h"
#include "client/cli_support.h"

namespace kafkaml::cli {

namespace {

using nlohmann::json;

void add_configurations_command(CLI::App &root) {
	CLI::App *group = root.add_subcommand("configurations", "Configurations (models trained together): list, get, "
	                                                        "create, delete");
	group->require_subcommand(1);
	auto conn = client::add_connection_options(*group);

	group->add_subcommand("list", "List the configurations")->callback([conn] {
		client::run_command([&] {
			client::print_list(*conn,
			                   {{"ID", "id"}, {"NAME", "name"}, {"MODELS", "ml_models"}, {"CREATED", "created_at"}},
			                   conn->client().get("/configurations"));
		});
	});

	client::add_get_by_id(*group, conn, "configuration", "/configurations");

	struct CreateArgs {
		std::string name, description;
		std::vector<int64_t> models;
	};
	auto args = std::make_shared<CreateArgs>();
	CLI::App *create = group->add_subcommand("create", "Create a configuration of one or more models");
	create->add_option("--name", args->name, "configuration name")->required();
	create->add_option("--models", args->models, "model ids, comma-separated (e.g. 1,2)")->required()->delimiter(',');
	create->add_option("--description", args->description, "free text");
	create->callback([conn, args] {
		client::run_command([&] {
			json created = conn->client().post(
			    "/configurations",
			    {{"name", args->name}, {"description", args->description}, {"ml_models", args->models}});
			if (conn->json_output) {
				return client::print_object(*conn, created);
			}
			std::printf("created configuration %s (%s)\n", created.value("id", json(0)).dump().c_str(),
			            created.value("name", std::string()).c_str());
		});
	});

	client::add_delete_by_id(*group, conn, "configuration", "/configurations",
	                         "Delete a configuration (refused while deployed)");
}

} // namespace

KAFKAML_REGISTER_COMMAND(41, add_configurations_command);

} // namespace kafkaml::cli
