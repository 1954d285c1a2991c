#pragma once

#include "client/api_client.h"
#include "client/table.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace kafkaml::client {

//! Options every REST subcommand shares: `--server`, `--token`, `--data-dir`
//! (where `admin-token` is looked for) and `--json`. They are added to each
//! group command so they may be written after the group's name.
struct Connection {
	std::string server = "http://127.0.0.1:8080";
	std::optional<std::string> token;
	std::string data_dir = "kafkaml-data";
	bool json_output = false;

	//! Client for the chosen server and token (see resolve_token for the order).
	ApiClient client() const;
};

//! Adds the options of `Connection` to `group` (the options fall through to
//! its subcommands); `--server` defaults to env KAFKAML_SERVER.
std::shared_ptr<Connection> add_connection_options(CLI::App &group);

//! Runs `body` on the main thread, printing a ClientError as `error: ...` to
//! stderr and ending with exit status 1.
void run_command(const std::function<void()> &body);

//! Prints `value` as indented JSON, or, for lists, as an aligned table of
//! `columns` unless `--json` was given.
void print_list(const Connection &connection, const std::vector<Column> &columns, const nlohmann::json &value);
//! Prints one object: JSON when `--json`, else `key: value` lines.
void print_object(const Connection &connection, const nlohmann::json &value);

//! Adds `get ID` to `group`: prints `GET <collection>/ID` as `key: value`
//! lines (or JSON). `noun` names the entity in the help text.
void add_get_by_id(CLI::App &group, const std::shared_ptr<Connection> &connection, const std::string &noun,
                   const std::string &collection);

//! Adds `delete ID` to `group`: `DELETE <collection>/ID`, then prints
//! "deleted <noun> ID". `help` says when the server refuses.
void add_delete_by_id(CLI::App &group, const std::shared_ptr<Connection> &connection, const std::string &noun,
                      const std::string &collection, const std::string &help);

//! Throws CLI::RuntimeError(2) after printing `message` (a usage error found
//! after parsing, e.g. a bad --kwargs-fit).
[[noreturn]] void usage_error(const std::string &message);

} // namespace kafkaml::client
