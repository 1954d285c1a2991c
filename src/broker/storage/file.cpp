#include "broker/storage/file.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace kafkaml::broker::storage {
namespace {

[[noreturn]] void fail(const char *what, const std::filesystem::path &path) {
	throw std::system_error(errno, std::generic_category(), std::string(what) + " " + path.string());
}

} // namespace

void sync_directory(const std::filesystem::path &dir) {
	int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fail("cannot open directory", dir);
	}
	int rc = ::fsync(fd);
	int saved = errno;
	::close(fd);
	if (rc != 0) {
		errno = saved;
		fail("cannot sync directory", dir);
	}
}

File File::open_rw(const std::filesystem::path &path) {
	File f;
	f.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f.fd_ < 0) {
		fail("cannot open", path);
	}
	f.path_ = path;
	return f;
}

File &File::operator=(File &&other) noexcept {
	if (this != &other) {
		close();
		fd_ = other.fd_;
		path_ = std::move(other.path_);
		other.fd_ = -1;
	}
	return *this;
}

File::~File() {
	close();
}

void File::close() {
	if (fd_ >= 0) {
		::close(fd_);
		fd_ = -1;
	}
}

uint64_t File::size() const {
	struct stat st {};
	if (::fstat(fd_, &st) != 0) {
		fail("cannot stat", path_);
	}
	return static_cast<uint64_t>(st.st_size);
}

void File::pwrite_all(std::span<const uint8_t> data, uint64_t offset) {
	size_t done = 0;
	while (done < data.size()) {
		ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			fail("cannot write", path_);
		}
		done += static_cast<size_t>(n);
	}
}

size_t File::pread_some(std::span<uint8_t> out, uint64_t offset) const {
	size_t done = 0;
	while (done < out.size()) {
		ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			fail("cannot read", path_);
		}
		if (n == 0) {
			break;
		}
		done += static_cast<size_t>(n);
	}
	return done;
}

void File::truncate(uint64_t size) {
	if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
		fail("cannot truncate", path_);
	}
}

void File::sync() {
	if (::fdatasync(fd_) != 0) {
		fail("cannot fsync", path_);
	}
}

} // namespace kafkaml::broker::storage
