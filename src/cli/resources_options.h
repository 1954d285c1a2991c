#pragma once

// `--cpu` and `--memory` of `kafkaml deploy` and `kafkaml inferences create`:
// the request's `resources`, the limits of each container of its jobs under
// the Docker executor (local processes run without). Sent as written; the
// server checks them and says what is wrong.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kafkaml::cli {

struct ResourcesOptions {
	std::optional<double> cpu;
	std::string memory;

	//! `whose`: what each limited container runs, for the help text.
	void add_to(CLI::App &command, const std::string &whose) {
		command.add_option("--cpu", cpu, "CPUs for each " + whose + " (e.g. 1.5; Docker executor; default: no limit)");
		command.add_option("--memory", memory,
		                   "memory for each " + whose +
		                       ", bytes or with Ki, Mi, Gi, K, M, G (e.g. 512Mi; Docker executor; default: no limit)");
	}
	//! Puts "resources" in `body` when a limit was given.
	void put(nlohmann::json &body) const {
		if (cpu) {
			body["resources"]["cpu"] = *cpu;
		}
		if (!memory.empty()) {
			body["resources"]["memory"] = memory;
		}
	}
};

//! A "resources" value as a table cell: "cpu 1.5, memory 512Mi", or "-".
inline std::string resources_text(const nlohmann::json &resources) {
	std::string text;
	for (const char *limit : {"cpu", "memory"}) {
		if (resources.is_object() && resources.contains(limit) && !resources[limit].is_null()) {
			const auto &value = resources[limit];
			text += (text.empty() ? "" : ", ") + std::string(limit) + " " +
			        (value.is_string() ? value.get<std::string>() : value.dump());
		}
	}
	return text.empty() ? "-" : text;
}

} // namespace kafkaml::cli
