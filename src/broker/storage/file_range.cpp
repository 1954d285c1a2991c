#include "broker/storage/file_range.h"

#include <unistd.h>
#include <utility>

namespace kafkaml::broker::storage {

FileRange::FileRange(FileRange &&other) noexcept
    : fd_(std::exchange(other.fd_, -1)), position_(other.position_), length_(std::exchange(other.length_, 0)) {}

FileRange &FileRange::operator=(FileRange &&other) noexcept {
	if (this != &other) {
		if (fd_ >= 0) {
			::close(fd_);
		}
		fd_ = std::exchange(other.fd_, -1);
		position_ = other.position_;
		length_ = std::exchange(other.length_, 0);
	}
	return *this;
}

FileRange::~FileRange() {
	if (fd_ >= 0) {
		::close(fd_);
	}
}

} // namespace kafkaml::broker::storage
