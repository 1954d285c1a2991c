#include "support/temp_dir.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace kafkaml::testing {

TempDir::TempDir(const std::string &name) {
	auto pattern = (std::filesystem::temp_directory_path() / ("kafkaml-" + name + "-XXXXXX")).string();
	if (!::mkdtemp(pattern.data())) {
		throw std::runtime_error("cannot make a temporary directory " + pattern + ": " + std::strerror(errno));
	}
	path_ = pattern;
}

TempDir::~TempDir() {
	std::error_code ignored;
	std::filesystem::remove_all(path_, ignored);
}

} // namespace kafkaml::testing
