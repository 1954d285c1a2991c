#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace kafkaml::cli {

//! Adds one subcommand (and its options and callback) to the root app.
using CommandFactory = std::function<void(CLI::App &root)>;

//! Registers a subcommand. Called from static initialisers of the
//! `*_command.cpp` files, which are compiled straight into the `kafkaml`
//! executable, so adding a subcommand needs no edit to main.cpp.
//! `rank` orders `--help` (lower first). Thread: static initialisation.
bool register_command(int rank, CommandFactory factory);

//! Calls every registered factory on `root`, ordered by rank.
void add_registered_commands(CLI::App &root);

//! Exit status a subcommand callback reports by throwing
//! `CLI::RuntimeError(status)`; anything else that escapes is a failure
//! whose message is printed as is.

} // namespace kafkaml::cli

#define KAFKAML_CONCAT_INNER(a, b) a##b
#define KAFKAML_CONCAT(a, b) KAFKAML_CONCAT_INNER(a, b)
//! KAFKAML_REGISTER_COMMAND(rank, factory) at namespace scope of a command file.
#define KAFKAML_REGISTER_COMMAND(rank, factory)                                                                        \
	[[maybe_unused]] static const bool KAFKAML_CONCAT(kafkaml_command_registered_, __LINE__) =                         \
	    ::kafkaml::cli::register_command(rank, factory)
