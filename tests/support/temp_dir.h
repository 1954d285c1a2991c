#pragma once

// A fresh private directory for one test, removed with everything in it when
// the object goes. It is made under std::filesystem::temp_directory_path()
// ($TMPDIR, else /tmp) as kafkaml-<name>-XXXXXX, mode 0700 (mkdtemp).
//
// Thread: construct and destroy on one thread; path() from any.

#include <filesystem>
#include <string>

namespace kafkaml::testing {

class TempDir {
public:
	//! Throws std::runtime_error when the directory cannot be made.
	explicit TempDir(const std::string &name = "test");
	//! Removes the tree; errors are ignored (a test must not fail in cleanup).
	~TempDir();
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	const std::filesystem::path &path() const { return path_; }
	std::string string() const { return path_.string(); }
	std::filesystem::path operator/(const std::filesystem::path &child) const { return path_ / child; }
	//! Writes `bytes` to the file `name` here (write_file); returns its path,
	//! ready for options that take a path as a string.
	std::string write(const std::string &name, const std::string &bytes) const;

private:
	std::filesystem::path path_;
};

} // namespace kafkaml::testing
