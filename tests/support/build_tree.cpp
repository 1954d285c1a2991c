#include "support/build_tree.h"

#include <cstdlib>
#include <stdexcept>

namespace kafkaml::testing {

std::filesystem::path kafkaml_binary() {
	const char *bin = std::getenv("KAFKAML_BIN");
	if (!bin || !*bin) {
		throw std::runtime_error("KAFKAML_BIN is not set: run the test through ctest");
	}
	if (!std::filesystem::exists(bin)) {
		throw std::runtime_error(std::string("KAFKAML_BIN names no file (") + bin + "): build the kafkaml target");
	}
	return bin;
}

ProcessOptions kafkaml_command(const std::vector<std::string> &args) {
	ProcessOptions options;
	options.argv = {kafkaml_binary().string()};
	options.argv.insert(options.argv.end(), args.begin(), args.end());
	return options;
}

std::filesystem::path source_dir() {
	const char *source = std::getenv("KAFKAML_SOURCE_DIR");
	return source && *source ? source : KAFKAML_TEST_SOURCE_DIR;
}

} // namespace kafkaml::testing
