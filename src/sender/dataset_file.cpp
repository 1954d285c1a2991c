#include "sender/dataset_file.h"

#include "formats/format_error.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace kafkaml::sender {
namespace {

bool ends_with(const std::string &text, const std::string &suffix) {
	return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

std::string read_input(const std::string &path) {
	if (path == "-") {
		return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
	}
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		throw SendError("cannot open " + path + ": check the path");
	}
	std::ostringstream buffer;
	buffer << in.rdbuf();
	return buffer.str();
}

std::string display_name(const std::string &path) {
	return path == "-" ? "stdin" : path;
}

formats::Table load_table(const std::string &path) {
	std::string name = display_name(path);
	std::string bytes = read_input(path);
	try {
		auto table =
		    formats::is_npy(bytes) || ends_with(path, ".npy") ? formats::read_npy(bytes) : formats::read_csv(bytes);
		if (table.rows == 0) {
			throw SendError(name + " holds no rows");
		}
		return table;
	} catch (const formats::FormatError &e) {
		throw SendError(name + ": " + e.what());
	}
}

formats::AvroSchema read_scheme(const std::string &path, const char *which) {
	try {
		return formats::AvroSchema::parse(read_input(path));
	} catch (const formats::FormatError &e) {
		throw SendError(std::string("the ") + which + " scheme " + path + " (--" + which + "-scheme): " + e.what());
	}
}

} // namespace kafkaml::sender
