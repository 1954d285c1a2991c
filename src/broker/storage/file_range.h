#pragma once

#include <cstddef>
#include <cstdint>

namespace kafkaml::broker::storage {

//! Bytes of a log file to send as they are (sendfile): a duplicate of the
//! file's descriptor, so the range stays readable if retention or
//! DeleteTopics closes and unlinks the segment before the range is sent.
//! Move-only; closes its descriptor. Threading: whoever holds it.
class FileRange {
public:
	FileRange() = default;
	FileRange(int owned_fd, uint64_t position, size_t length) : fd_(owned_fd), position_(position), length_(length) {}
	FileRange(FileRange &&other) noexcept;
	FileRange &operator=(FileRange &&other) noexcept;
	FileRange(const FileRange &) = delete;
	FileRange &operator=(const FileRange &) = delete;
	~FileRange();

	int fd() const { return fd_; }
	uint64_t position() const { return position_; }
	size_t length() const { return length_; }
	bool empty() const { return length_ == 0; }

private:
	int fd_ = -1;
	uint64_t position_ = 0;
	size_t length_ = 0;
};

} // namespace kafkaml::broker::storage
