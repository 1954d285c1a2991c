#include "support/temp_dir.h"

#include "support/files.h"

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

std::string TempDir::write(const std::string &name, const std::string &bytes) const {
	auto path = path_ / name;
	write_file(path, bytes);
	return path.string();
}

} // namespace kafkaml::testing
