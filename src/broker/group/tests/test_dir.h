#pragma once

// A fresh directory under $TMPDIR for one test, removed at the end.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace kafkaml::broker::group::testing {

class TestDir {
public:
	TestDir() {
		const char *base = std::getenv("TMPDIR");
		std::string pattern = std::string(base && *base ? base : "/tmp") + "/kafkaml-group-XXXXXX";
		if (!::mkdtemp(pattern.data())) {
			throw std::runtime_error("mkdtemp failed for " + pattern);
		}
		path_ = pattern;
	}
	~TestDir() {
		std::error_code ec;
		std::filesystem::remove_all(path_, ec);
	}
	const std::filesystem::path &path() const { return path_; }

private:
	std::filesystem::path path_;
};

} // namespace kafkaml::broker::group::testing
