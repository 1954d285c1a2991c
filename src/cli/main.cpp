#include "cli/command_registry.h"
#include "common/allocator.h"
#include "common/logging.h"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char **argv) {
	kafkaml::tune_allocator();
	CLI::App app{"kafkaml: machine-learning pipelines over Kafka data streams.\n"
	             "Start everything on embedded defaults with `kafkaml up`."};
	app.require_subcommand(1);
	std::string log_level = "info";
	app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
	app.set_version_flag("--version", std::string("kafkaml ") + KAFKAML_VERSION);
	app.parse_complete_callback([&] { kafkaml::init_logging(log_level); });
	kafkaml::cli::add_registered_commands(app);
	try {
		app.parse(argc, argv);
	} catch (const CLI::RuntimeError &e) {
		return app.exit(e); // a command's own status
	} catch (const CLI::ParseError &e) {
		// CLI11 numbers its refusals 101-120 (105 for a value not allowed);
		// scripts expect a usage error to be 2, as the commands' own checks
		// of their options already say.
		int code = app.exit(e);
		return code == 0 ? 0 : 2;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "error: %s\n", e.what());
		return 1;
	}
	return 0;
}
