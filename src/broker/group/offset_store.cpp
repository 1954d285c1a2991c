#include "broker/group/offset_store.h"

#include "broker/group/wire.h"

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <stdexcept>
#include <unistd.h>

namespace kafkaml::broker::group {

namespace {

constexpr size_t header_size = 8;
//! A record larger than this is treated as corruption rather than allocated.
constexpr uint32_t max_record_size = 64u << 20;

[[noreturn]] void throw_io(const std::string &what, const std::filesystem::path &path) {
	throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno) +
	                         " (check the broker's --data-dir permissions and free space)");
}

uint32_t crc_of(const uint8_t *data, size_t size) {
	return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size)));
}

std::vector<uint8_t> encode_payload(const std::vector<OffsetEntry> &entries) {
	Writer w;
	w.i32(static_cast<int32_t>(entries.size()));
	for (auto &e : entries) {
		w.string(e.group);
		w.string(e.topic);
		w.i32(e.partition);
		w.i64(e.value.offset);
		w.i32(e.value.leader_epoch);
		write_nullable_string(w, e.value.metadata);
		w.i64(e.value.commit_time_ms);
	}
	return w.take();
}

// The payload's CRC already matched, so a decoding failure here means a file
// written by something else; the caller treats it like a corrupt record.
std::vector<OffsetEntry> decode_payload(const uint8_t *data, size_t size) {
	Reader r(std::span<const uint8_t>(data, size));
	int32_t count = read_array_length(r);
	std::vector<OffsetEntry> entries;
	for (int32_t i = 0; i < count; i++) {
		OffsetEntry e;
		e.group = read_string(r);
		e.topic = read_string(r);
		e.partition = r.i32();
		e.value.offset = r.i64();
		e.value.leader_epoch = r.i32();
		e.value.metadata = read_nullable_string(r);
		e.value.commit_time_ms = r.i64();
		entries.push_back(std::move(e));
	}
	if (r.remaining() != 0) {
		throw DecodeError("offsets record longer than its entries");
	}
	return entries;
}

void write_all(int fd, const std::vector<uint8_t> &bytes, const std::filesystem::path &path) {
	size_t done = 0;
	while (done < bytes.size()) {
		ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			throw_io("cannot write", path);
		}
		done += static_cast<size_t>(n);
	}
}

std::vector<uint8_t> frame(const std::vector<uint8_t> &payload) {
	Writer w;
	w.i32(static_cast<int32_t>(payload.size()));
	w.i32(static_cast<int32_t>(crc_of(payload.data(), payload.size())));
	auto out = w.take();
	out.insert(out.end(), payload.begin(), payload.end());
	return out;
}

} // namespace

OffsetStore::OffsetStore(std::filesystem::path dir, bool fsync)
    : dir_(std::move(dir)), path_(dir_ / "offsets.log"), fsync_(fsync) {
	std::error_code ec;
	std::filesystem::create_directories(dir_, ec);
	if (ec) {
		throw std::runtime_error("cannot create " + dir_.string() + ": " + ec.message());
	}
	replay();
	compact();
}

OffsetStore::~OffsetStore() {
	if (fd_ >= 0) {
		if (dirty_) {
			::fdatasync(fd_);
		}
		::close(fd_);
	}
}

// Reads every whole record; the first record whose length runs past the end
// of the file or whose CRC does not match ends the replay, and the file is cut
// there (what follows was never acknowledged: commits are appended in order).
void OffsetStore::replay() {
	int fd = ::open(path_.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		throw_io("cannot open", path_);
	}
	std::vector<uint8_t> data;
	uint8_t buf[65536];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			::close(fd);
			throw_io("cannot read", path_);
		}
		if (n == 0) {
			break;
		}
		data.insert(data.end(), buf, buf + n);
	}
	::close(fd);

	size_t pos = 0;
	while (data.size() - pos >= header_size) {
		Reader header(std::span<const uint8_t>(data.data() + pos, header_size));
		auto len = static_cast<uint32_t>(header.i32());
		auto crc = static_cast<uint32_t>(header.i32());
		if (len > max_record_size || data.size() - pos - header_size < len) {
			break;
		}
		const uint8_t *payload = data.data() + pos + header_size;
		if (crc_of(payload, len) != crc) {
			break;
		}
		std::vector<OffsetEntry> entries;
		try {
			entries = decode_payload(payload, len);
		} catch (const DecodeError &) {
			break;
		}
		for (auto &e : entries) {
			offsets_[Key{e.group, e.topic, e.partition}] = std::move(e.value);
		}
		records_++;
		pos += header_size + len;
	}
	truncated_bytes_ = data.size() - pos;
	if (truncated_bytes_ > 0) {
		spdlog::warn("group offsets: dropped {} bytes of torn or corrupt tail at offset {} of {}", truncated_bytes_,
		             pos, path_.string());
		if (::truncate(path_.c_str(), static_cast<off_t>(pos)) != 0) {
			throw_io("cannot truncate", path_);
		}
	}
}

// Rewrites the file with one record holding every live entry. The rename makes
// the switch atomic: a crash leaves either the old or the new file.
void OffsetStore::compact() {
	if (fd_ >= 0) {
		::close(fd_);
		fd_ = -1;
	}
	auto tmp = dir_ / "offsets.log.compact";
	int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		throw_io("cannot create", tmp);
	}
	std::vector<OffsetEntry> live;
	live.reserve(offsets_.size());
	for (auto &[key, value] : offsets_) {
		live.push_back(OffsetEntry{std::get<0>(key), std::get<1>(key), std::get<2>(key), value});
	}
	try {
		if (!live.empty()) {
			write_all(fd, frame(encode_payload(live)), tmp);
		}
	} catch (...) {
		::close(fd);
		throw;
	}
	if (::fsync(fd) != 0) {
		::close(fd);
		throw_io("cannot fsync", tmp);
	}
	::close(fd);
	if (::rename(tmp.c_str(), path_.c_str()) != 0) {
		throw_io("cannot rename onto", path_);
	}
	int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0) {
		::fsync(dir_fd);
		::close(dir_fd);
	}
	records_ = live.empty() ? 0 : 1;
	dirty_ = false;
	fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd_ < 0) {
		throw_io("cannot open", path_);
	}
}

void OffsetStore::append_record(const std::vector<uint8_t> &payload) {
	auto bytes = frame(payload);
	off_t before = ::lseek(fd_, 0, SEEK_END);
	try {
		write_all(fd_, bytes, path_);
	} catch (...) {
		// A partial write would be a torn record in the middle of the file
		// once later records follow it: cut it off now.
		if (before >= 0 && ::ftruncate(fd_, before) != 0) {
			spdlog::error("group offsets: cannot cut a failed write off {}", path_.string());
		}
		throw;
	}
	if (fsync_ && ::fdatasync(fd_) != 0) {
		throw_io("cannot fsync", path_);
	}
	dirty_ = !fsync_;
	records_++;
}

void OffsetStore::sync() {
	if (!dirty_ || fd_ < 0) {
		return;
	}
	if (::fdatasync(fd_) != 0) {
		throw_io("cannot fsync", path_);
	}
	dirty_ = false;
}

void OffsetStore::commit(const std::vector<OffsetEntry> &entries) {
	if (entries.empty()) {
		return;
	}
	append_record(encode_payload(entries));
	for (auto &e : entries) {
		offsets_[Key{e.group, e.topic, e.partition}] = e.value;
	}
	// Keep the file proportional to the live state: commits of the same
	// partitions repeat forever while the set of live entries stays small.
	if (records_ > 1024 && records_ > 4 * offsets_.size()) {
		compact();
	}
}

size_t OffsetStore::expire(int64_t cutoff_ms, const std::function<bool(const std::string &group)> &expirable) {
	size_t dropped = std::erase_if(offsets_, [&](const auto &entry) {
		return entry.second.commit_time_ms < cutoff_ms && expirable(std::get<0>(entry.first));
	});
	if (dropped > 0) {
		compact();
	}
	return dropped;
}

size_t OffsetStore::forget_topic(const std::string &topic) {
	size_t dropped = std::erase_if(offsets_, [&](const auto &entry) { return std::get<1>(entry.first) == topic; });
	if (dropped > 0) {
		compact();
	}
	return dropped;
}

const CommittedOffset *OffsetStore::find(const std::string &group, const std::string &topic, int32_t partition) const {
	auto it = offsets_.find(Key{group, topic, partition});
	return it == offsets_.end() ? nullptr : &it->second;
}

std::vector<std::tuple<std::string, int32_t, CommittedOffset>>
OffsetStore::group_offsets(const std::string &group) const {
	std::vector<std::tuple<std::string, int32_t, CommittedOffset>> out;
	for (auto it = offsets_.lower_bound(Key{group, "", INT32_MIN});
	     it != offsets_.end() && std::get<0>(it->first) == group; ++it) {
		out.emplace_back(std::get<1>(it->first), std::get<2>(it->first), it->second);
	}
	return out;
}

std::vector<std::string> OffsetStore::groups() const {
	std::set<std::string> names;
	for (auto &[key, value] : offsets_) {
		names.insert(std::get<0>(key));
	}
	return {names.begin(), names.end()};
}

} // namespace kafkaml::broker::group
