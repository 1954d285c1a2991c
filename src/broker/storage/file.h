#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace kafkaml::broker::storage {

//! Owning POSIX file descriptor with whole-buffer read/write helpers that
//! retry on EINTR/short transfers and throw std::system_error naming the
//! file. Not thread-safe.
class File {
public:
	File() = default;
	//! Opens (creating if needed) `path` for reading and writing.
	static File open_rw(const std::filesystem::path &path);
	File(File &&other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
	File &operator=(File &&other) noexcept;
	File(const File &) = delete;
	File &operator=(const File &) = delete;
	~File();

	bool is_open() const { return fd_ >= 0; }
	int fd() const { return fd_; }
	const std::filesystem::path &path() const { return path_; }
	uint64_t size() const;
	//! Writes everything at `offset`.
	void pwrite_all(std::span<const uint8_t> data, uint64_t offset);
	//! Reads up to `out.size()` bytes at `offset`; returns the count (short at EOF).
	size_t pread_some(std::span<uint8_t> out, uint64_t offset) const;
	void truncate(uint64_t size);
	void sync();
	void close();

private:
	int fd_ = -1;
	std::filesystem::path path_;
};

//! fsync of a directory, so the entries created or renamed in it (new
//! segments, partition directories, topic files) survive a power loss, not
//! only the bytes of files already there. Throws std::system_error.
void sync_directory(const std::filesystem::path &dir);

} // namespace kafkaml::broker::storage
