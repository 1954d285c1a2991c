#pragma once

// Options `kafkaml server` and `kafkaml up` share: limits and policies of the
// jobs the server runs.

#include "server/server_app.h"

#include <CLI/CLI.hpp>

namespace kafkaml::cli {

inline void add_job_options(CLI::App &command, server::ServerConfig &config) {
	command
	    .add_option("--max-replicas", config.max_replicas,
	                "most replicas one inference may have (each replica is a process on this machine)")
	    ->capture_default_str()
	    ->check(CLI::Range(int64_t{1}, int64_t{100000}));
	command
	    .add_option("--crash-loop-limit", config.crash_loop_limit,
	                "a job failing this many times in a row, each within 60 s of its start, is not restarted and "
	                "its result or inference is marked failed with the end of its log (0: restart forever)")
	    ->capture_default_str()
	    ->check(CLI::NonNegativeNumber);
}

} // namespace kafkaml::cli
