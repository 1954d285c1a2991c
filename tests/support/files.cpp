#include "support/files.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace kafkaml::testing {

std::string read_file(const std::filesystem::path &path) {
	std::ifstream in(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path &path, const std::string &bytes) {
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	out << bytes;
	if (!out.flush()) {
		throw std::runtime_error("cannot write " + path.string());
	}
}

} // namespace kafkaml::testing
