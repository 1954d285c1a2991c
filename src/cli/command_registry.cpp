#include "cli/command_registry.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace kafkaml::cli {
namespace {

std::vector<std::pair<int, CommandFactory>> &registry() {
	// Function-local so that registration from other translation units'
	// static initialisers never sees an unconstructed vector.
	static std::vector<std::pair<int, CommandFactory>> commands;
	return commands;
}

} // namespace

bool register_command(int rank, CommandFactory factory) {
	registry().emplace_back(rank, std::move(factory));
	return true;
}

void add_registered_commands(CLI::App &root) {
	auto &commands = registry();
	std::stable_sort(commands.begin(), commands.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
	for (auto &[rank, factory] : commands) {
		factory(root);
	}
}

} // namespace kafkaml::cli
