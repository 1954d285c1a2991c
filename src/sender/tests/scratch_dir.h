#pragma once

// A fresh directory for one test's files, removed at the end.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace kafkaml::sender::testing {

class ScratchDir {
public:
	ScratchDir() {
		std::string pattern = (std::filesystem::temp_directory_path() / "kafkaml-sender-XXXXXX").string();
		if (!::mkdtemp(pattern.data())) {
			throw std::runtime_error("mkdtemp failed for " + pattern);
		}
		path_ = pattern;
	}
	~ScratchDir() {
		std::error_code ec;
		std::filesystem::remove_all(path_, ec);
	}
	ScratchDir(const ScratchDir &) = delete;
	ScratchDir &operator=(const ScratchDir &) = delete;

	//! Writes `bytes` to the file `name` here; returns its path.
	std::string write(const std::string &name, const std::string &bytes) const {
		auto path = path_ / name;
		std::ofstream(path, std::ios::binary) << bytes;
		return path.string();
	}
	std::string path(const std::string &name) const { return (path_ / name).string(); }

private:
	std::filesystem::path path_;
};

} // namespace kafkaml::sender::testing
