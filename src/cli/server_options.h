#pragma once

// Options `kafkaml server` and `kafkaml up` share: limits and policies of the
// jobs the server runs.

#include "server/server_app.h"

#include <CLI/CLI.hpp>

namespace kafkaml::cli {

inline void add_job_options(CLI::App &command, server::ServerConfig &config) {
	auto add = [&command](const char *name, auto &field, const char *help, const CLI::Validator &check) {
		command.add_option(name, field, help)->capture_default_str()->check(check);
	};
	add("--max-replicas", config.max_replicas,
	    "most replicas one inference may have (each replica is a process on this machine)",
	    CLI::Range(int64_t{1}, int64_t{100000}));
	add("--crash-loop-limit", config.crash_loop_limit,
	    "a job failing this many times in a row, each within 60 s of its start, is not restarted and its result "
	    "or inference is marked failed with the end of its log (0: restart forever)",
	    CLI::NonNegativeNumber);
	command.add_flag("--reset-admin-token", config.reset_admin_token,
	                 "make a new admin token and store its hash, when the token file was lost (the old token stops "
	                 "working; running jobs are restarted with the new one)");
	add("--records-timeout", config.records_timeout_s,
	    "seconds a training job waits for the next record of its stream before it fails naming the missing "
	    "records (a control message may name records that are not in the log)",
	    CLI::PositiveNumber);
}

} // namespace kafkaml::cli
