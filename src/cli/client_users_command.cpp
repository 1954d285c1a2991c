// `kafkaml users list|add NAME --role R|set-role NAME R|remove NAME`,
// `kafkaml tokens list|create --user NAME [--name N] [--expires-in-days N]|revoke ID`,
// `kafkaml audit [--limit N]` and `kafkaml whoami`: who may call the server
// (src/api/README.md). Users are named on the command line; the API takes
// ids, so a name is looked up first. Main thread.

#include "cli/command_registry.h"
#include "client/cli_support.h"

#include <cstdio>

namespace kafkaml::cli {

namespace {

using nlohmann::json;

//! The user named `name`; a ClientError naming it when there is none.
json user_named(const client::ApiClient &api, const std::string &name) {
	for (const auto &user : api.get("/users")) {
		if (user.value("name", "") == name) {
			return user;
		}
	}
	throw client::ClientError("no user named '" + name + "'; see kafkaml users list", 404);
}

void add_users_command(CLI::App &root) {
	CLI::App *group = root.add_subcommand("users", "Users of the API and their roles (admin): list, add, set-role, "
	                                               "remove");
	group->require_subcommand(1);
	auto conn = client::add_connection_options(*group);

	group->add_subcommand("list", "List users, their roles and live tokens")->callback([conn] {
		client::run_command([&] {
			client::print_list(
			    *conn,
			    {{"ID", "id"}, {"NAME", "name"}, {"ROLE", "role"}, {"TOKENS", "tokens"}, {"CREATED", "created_at"}},
			    conn->client().get("/users"));
		});
	});

	auto name = std::make_shared<std::string>();
	auto role = std::make_shared<std::string>();
	CLI::App *add = group->add_subcommand("add", "Add a user (then give it a token: kafkaml tokens create)");
	add->add_option("name", *name, "user name")->required();
	add->add_option("--role", *role, "viewer, operator or admin")
	    ->required()
	    ->check(CLI::IsMember({"viewer", "operator", "admin"}));
	add->callback([conn, name, role] {
		client::run_command([&] {
			json user = conn->client().post("/users", {{"name", *name}, {"role", *role}});
			if (conn->json_output) {
				return client::print_object(*conn, user);
			}
			std::printf("added user %s (id %lld) with the role %s\n", name->c_str(),
			            static_cast<long long>(user["id"].get<int64_t>()), role->c_str());
		});
	});

	CLI::App *set_role = group->add_subcommand("set-role", "Change a user's role (the last admin stays one)");
	set_role->add_option("name", *name, "user name")->required();
	set_role->add_option("role", *role, "viewer, operator or admin")
	    ->required()
	    ->check(CLI::IsMember({"viewer", "operator", "admin"}));
	set_role->callback([conn, name, role] {
		client::run_command([&] {
			auto api = conn->client();
			json user = user_named(api, *name);
			json changed = api.put("/users/" + std::to_string(user["id"].get<int64_t>()), {{"role", *role}});
			if (conn->json_output) {
				return client::print_object(*conn, changed);
			}
			std::printf("user %s now has the role %s\n", name->c_str(), role->c_str());
		});
	});

	CLI::App *remove = group->add_subcommand("remove", "Remove a user and its tokens (not the last admin)");
	remove->add_option("name", *name, "user name")->required();
	remove->callback([conn, name] {
		client::run_command([&] {
			auto api = conn->client();
			json user = user_named(api, *name);
			api.del("/users/" + std::to_string(user["id"].get<int64_t>()));
			std::printf("removed user %s and its tokens\n", name->c_str());
		});
	});
}

void add_tokens_command(CLI::App &root) {
	CLI::App *group = root.add_subcommand("tokens", "API tokens of users (admin): list, create, revoke");
	group->require_subcommand(1);
	auto conn = client::add_connection_options(*group);

	group->add_subcommand("list", "List tokens (never their secrets)")->callback([conn] {
		client::run_command([&] {
			json tokens = conn->client().get("/tokens");
			if (!conn->json_output) {
				for (auto &token : tokens) {
					token["user_name"] = token["user"]["name"];
					token["role"] = token["user"]["role"];
				}
			}
			client::print_list(*conn,
			                   {{"ID", "id"},
			                    {"NAME", "name"},
			                    {"USER", "user_name"},
			                    {"ROLE", "role"},
			                    {"CREATED", "created_at"},
			                    {"EXPIRES", "expires_at"},
			                    {"LAST_USED", "last_used_at"},
			                    {"REVOKED", "revoked_at"}},
			                   tokens);
		});
	});

	auto user = std::make_shared<std::string>();
	auto name = std::make_shared<std::string>("token");
	auto days = std::make_shared<int64_t>(0);
	CLI::App *create = group->add_subcommand("create", "Create a token for a user; it is printed once");
	create->add_option("--user", *user, "the user it acts as")->required();
	create->add_option("--name", *name, "what it is for")->capture_default_str();
	create->add_option("--expires-in-days", *days, "days until it stops working (default: never)")
	    ->check(CLI::PositiveNumber);
	create->callback([conn, user, name, days] {
		client::run_command([&] {
			json body = {{"user", *user}, {"name", *name}};
			if (*days > 0) {
				body["expires_in_days"] = *days;
			}
			json token = conn->client().post("/tokens", body);
			if (conn->json_output) {
				client::print_object(*conn, token);
			} else {
				std::printf("%s\n", token["token"].get<std::string>().c_str());
			}
			std::fflush(stdout);
			std::fprintf(stderr, "token %lld of user %s (role %s)%s; keep it now: it will not be shown again\n",
			             static_cast<long long>(token["id"].get<int64_t>()), user->c_str(),
			             token["user"]["role"].get<std::string>().c_str(),
			             token["expires_at"].is_null()
			                 ? ", never expires"
			                 : (", expires " + token["expires_at"].get<std::string>()).c_str());
		});
	});

	auto id = std::make_shared<int64_t>();
	CLI::App *revoke = group->add_subcommand("revoke", "Revoke a token (it stops working at once)");
	revoke->add_option("id", *id, "token id (see kafkaml tokens list)")->required();
	revoke->callback([conn, id] {
		client::run_command([&] {
			conn->client().del("/tokens/" + std::to_string(*id));
			std::printf("revoked token %lld\n", static_cast<long long>(*id));
		});
	});
}

void add_audit_command(CLI::App &root) {
	CLI::App *command = root.add_subcommand("audit", "Calls that changed data or were refused, newest first (admin)");
	auto conn = client::add_connection_options(*command);
	auto limit = std::make_shared<int64_t>(100);
	command->add_option("--limit", *limit, "entries to show (1 to 1000)")
	    ->capture_default_str()
	    ->check(CLI::Range(int64_t{1}, int64_t{1000}));
	command->callback([conn, limit] {
		client::run_command([&] {
			json page = conn->client().get("/audit?limit=" + std::to_string(*limit));
			client::print_list(*conn,
			                   {{"ID", "id"},
			                    {"AT", "at"},
			                    {"USER", "user"},
			                    {"TOKEN", "token_id"},
			                    {"METHOD", "method"},
			                    {"PATH", "path"},
			                    {"STATUS", "status"},
			                    {"FROM", "remote_address"}},
			                   page["entries"]);
		});
	});
}

void add_whoami_command(CLI::App &root) {
	CLI::App *command = root.add_subcommand("whoami", "The user and role of the token in use");
	auto conn = client::add_connection_options(*command);
	command->callback([conn] {
		client::run_command([&] {
			json who = conn->client().get("/whoami");
			if (conn->json_output) {
				return client::print_object(*conn, who);
			}
			std::printf("%s (role %s), token %lld \"%s\"%s\n", who["user"]["name"].get<std::string>().c_str(),
			            who["user"]["role"].get<std::string>().c_str(),
			            static_cast<long long>(who["token"]["id"].get<int64_t>()),
			            who["token"]["name"].get<std::string>().c_str(),
			            who["token"]["expires_at"].is_null()
			                ? ""
			                : (", expires " + who["token"]["expires_at"].get<std::string>()).c_str());
		});
	});
}

} // namespace

KAFKAML_REGISTER_COMMAND(46, add_users_command);
KAFKAML_REGISTER_COMMAND(47, add_tokens_command);
KAFKAML_REGISTER_COMMAND(48, add_audit_command);
KAFKAML_REGISTER_COMMAND(49, add_whoami_command);

} // namespace kafkaml::cli
