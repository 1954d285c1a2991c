#include "broker/storage/segment.h"

#include "broker/protocol/reader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>

namespace kafkaml::broker::storage {

using protocol::load_be32;
using protocol::load_be64;
using protocol::store_be32;
using protocol::store_be64;

namespace {
constexpr size_t kIndexEntry = 8;
constexpr size_t kTimeEntry = 16;
} // namespace

std::string Segment::file_stem(int64_t base_offset) {
	char name[32];
	std::snprintf(name, sizeof(name), "%020lld", static_cast<long long>(base_offset));
	return name;
}

Segment Segment::create(const std::filesystem::path &dir, int64_t base_offset) {
	Segment s;
	s.dir_ = dir;
	s.base_offset_ = base_offset;
	s.next_offset_ = base_offset;
	auto stem = file_stem(base_offset);
	try {
		s.log_ = File::open_rw(dir / (stem + ".log"));
		s.index_ = File::open_rw(dir / (stem + ".index"));
		s.time_index_ = File::open_rw(dir / (stem + ".timeindex"));
		s.log_.truncate(0);
		s.index_.truncate(0);
		s.time_index_.truncate(0);
		sync_directory(dir);
	} catch (const std::exception &) {
		// A half-made segment would be taken for the newest one on the next open.
		s.remove_files();
		throw;
	}
	return s;
}

Segment Segment::open(const std::filesystem::path &dir, int64_t base_offset, bool recover) {
	Segment s;
	s.dir_ = dir;
	s.base_offset_ = base_offset;
	s.next_offset_ = base_offset;
	auto stem = file_stem(base_offset);
	bool indexes_present =
	    std::filesystem::exists(dir / (stem + ".index")) && std::filesystem::exists(dir / (stem + ".timeindex"));
	s.log_ = File::open_rw(dir / (stem + ".log"));
	s.index_ = File::open_rw(dir / (stem + ".index"));
	s.time_index_ = File::open_rw(dir / (stem + ".timeindex"));
	s.size_ = s.log_.size();
	if (recover || !indexes_present) {
		s.rebuild(recover);
		return s;
	}
	s.index_entries_ = s.index_.size() / kIndexEntry;
	s.time_entries_ = s.time_index_.size() / kTimeEntry;
	// Resume from the last indexed batch: only the tail after it is scanned.
	uint64_t pos = 0;
	if (s.index_entries_ > 0) {
		uint8_t e[kIndexEntry];
		s.index_.pread_some(e, (s.index_entries_ - 1) * kIndexEntry);
		pos = load_be32(e + 4);
	}
	if (s.time_entries_ > 0) {
		uint8_t e[kTimeEntry];
		s.time_index_.pread_some(e, (s.time_entries_ - 1) * kTimeEntry);
		s.max_timestamp_ = static_cast<int64_t>(load_be64(e));
	}
	while (pos < s.size_) {
		auto h = s.header_at(pos);
		if (!h || pos + h->total_size() > s.size_) {
			break;
		}
		s.next_offset_ = h->last_offset() + 1;
		s.max_timestamp_ = std::max(s.max_timestamp_, h->max_timestamp);
		pos += h->total_size();
	}
	return s;
}

void Segment::rebuild(bool validate) {
	index_.truncate(0);
	time_index_.truncate(0);
	index_entries_ = 0;
	time_entries_ = 0;
	bytes_since_index_ = 0;
	next_offset_ = base_offset_;
	max_timestamp_ = -1;
	uint64_t file_size = size_;
	uint64_t pos = 0;
	std::vector<uint8_t> buffer;
	std::string reason;
	while (pos < file_size) {
		auto h = header_at(pos);
		if (!h) {
			reason = "torn batch header";
			break;
		}
		if (h->length < 0 || pos + h->total_size() > file_size || h->total_size() < batch::kHeaderSize) {
			reason = "torn batch (length past the end of the file)";
			break;
		}
		if (validate) {
			buffer.resize(h->total_size());
			log_.pread_some(buffer, pos);
			if (auto err = validate_batch(buffer); !err.empty()) {
				reason = err;
				break;
			}
		}
		add_index_entries(*h, pos);
		next_offset_ = h->last_offset() + 1;
		max_timestamp_ = std::max(max_timestamp_, h->max_timestamp);
		pos += h->total_size();
	}
	if (pos < file_size) {
		truncated_bytes_ = file_size - pos;
		spdlog::warn("segment {}: truncating {} bytes at position {} ({})", log_.path().string(), truncated_bytes_, pos,
		             reason);
		log_.truncate(pos);
	}
	size_ = pos;
}

void Segment::add_index_entries(const BatchHeader &header, uint64_t position) {
	if (index_entries_ == 0 || bytes_since_index_ >= kIndexIntervalBytes) {
		uint8_t e[kIndexEntry];
		store_be32(e, static_cast<uint32_t>(header.base_offset - base_offset_));
		store_be32(e + 4, static_cast<uint32_t>(position));
		index_.pwrite_all(e, index_entries_ * kIndexEntry);
		index_entries_++;
		uint8_t t[kTimeEntry];
		store_be64(t, static_cast<uint64_t>(std::max(max_timestamp_, header.max_timestamp)));
		store_be32(t + 8, static_cast<uint32_t>(header.base_offset - base_offset_));
		store_be32(t + 12, static_cast<uint32_t>(position));
		time_index_.pwrite_all(t, time_entries_ * kTimeEntry);
		time_entries_++;
		bytes_since_index_ = 0;
	}
	bytes_since_index_ += header.total_size();
}

void Segment::append(std::span<const uint8_t> data, const BatchHeader &header) {
	log_.pwrite_all(data, size_);
	add_index_entries(header, size_);
	size_ += data.size();
	next_offset_ = header.last_offset() + 1;
	max_timestamp_ = std::max(max_timestamp_, header.max_timestamp);
}

void Segment::seal() {
	if (empty()) {
		return;
	}
	uint8_t t[kTimeEntry];
	store_be64(t, static_cast<uint64_t>(max_timestamp_));
	store_be32(t + 8, static_cast<uint32_t>(next_offset_ - 1 - base_offset_));
	// Position of the final entry: the last indexed batch's (a safe lower bound).
	uint64_t pos = 0;
	if (index_entries_ > 0) {
		uint8_t e[kIndexEntry];
		index_.pread_some(e, (index_entries_ - 1) * kIndexEntry);
		pos = load_be32(e + 4);
	}
	store_be32(t + 12, static_cast<uint32_t>(pos));
	time_index_.pwrite_all(t, time_entries_ * kTimeEntry);
	time_entries_++;
}

void Segment::sync() {
	log_.sync();
}

int Segment::dup_fd() const {
	return ::fcntl(log_.fd(), F_DUPFD_CLOEXEC, 0);
}

std::optional<BatchHeader> Segment::header_at(uint64_t position) const {
	uint8_t h[batch::kHeaderSize];
	if (log_.pread_some(h, position) < batch::kHeaderSize) {
		return std::nullopt;
	}
	return read_batch_header(h);
}

uint64_t Segment::last_indexed_position(const std::function<bool(int64_t, uint64_t)> &at_or_before) const {
	// Index entries are in log order: both offsets and positions are sorted.
	uint64_t lo = 0;
	uint64_t hi = index_entries_;
	uint64_t best = 0;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		uint8_t e[kIndexEntry];
		if (index_.pread_some(e, mid * kIndexEntry) < kIndexEntry) {
			break;
		}
		uint64_t position = load_be32(e + 4);
		if (at_or_before(static_cast<int64_t>(load_be32(e)), position)) {
			best = position;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return best;
}

uint64_t Segment::index_lookup(int64_t offset) const {
	int64_t rel = offset - base_offset_;
	return last_indexed_position([rel](int64_t entry_rel, uint64_t) { return entry_rel <= rel; });
}

uint64_t Segment::position_of(int64_t offset) const {
	uint64_t pos = index_lookup(offset);
	while (pos < size_) {
		auto h = header_at(pos);
		if (!h) {
			return size_;
		}
		if (h->last_offset() >= offset) {
			return pos;
		}
		pos += h->total_size();
	}
	return size_;
}

size_t Segment::read(uint64_t position, size_t max_bytes, std::vector<uint8_t> &out) const {
	if (position >= size_) {
		return 0;
	}
	size_t want = static_cast<size_t>(std::min<uint64_t>(max_bytes, size_ - position));
	want = std::max(want, batch::kLogOverhead);
	size_t start = out.size();
	out.resize(start + want);
	size_t got = log_.pread_some({out.data() + start, want}, position);
	// Keep whole batches only; the first batch always, even when larger than max_bytes.
	size_t keep = 0;
	while (keep + batch::kLogOverhead <= got) {
		auto length = static_cast<int32_t>(load_be32(out.data() + start + keep + batch::kLength));
		size_t total = static_cast<size_t>(std::max(length, 0)) + batch::kLogOverhead;
		if (keep + total > got) {
			if (keep == 0 && position + total <= size_) {
				out.resize(start + total);
				got = log_.pread_some({out.data() + start, total}, position);
				keep = got == total ? total : 0;
			}
			break;
		}
		keep += total;
	}
	out.resize(start + keep);
	return keep;
}

FileRange Segment::slice(uint64_t position, size_t max_bytes) const {
	if (position + batch::kLogOverhead > size_) {
		return {};
	}
	uint8_t overhead[batch::kLogOverhead];
	auto length_at = [&](uint64_t at) -> std::optional<uint64_t> {
		if (at + batch::kLogOverhead > size_ || log_.pread_some(overhead, at) < batch::kLogOverhead) {
			return std::nullopt;
		}
		auto length = static_cast<int32_t>(load_be32(overhead + batch::kLength));
		return static_cast<uint64_t>(std::max(length, 0)) + batch::kLogOverhead;
	};
	auto first = length_at(position);
	if (!first || position + *first > size_) {
		return {};
	}
	// The first batch always goes whole, even when larger than max_bytes.
	uint64_t limit = std::min<uint64_t>(size_, position + std::max<uint64_t>(max_bytes, *first));
	uint64_t end = position + *first;
	if (limit == size_) {
		end = size_; // appends are whole batches: the segment's end is a batch boundary
	} else {
		// Walk batch headers from the last indexed batch before the limit:
		// entries are at most an index interval (plus one batch) apart.
		uint64_t walk =
		    std::max(end, last_indexed_position([limit](int64_t, uint64_t entry) { return entry <= limit; }));
		if (walk > end) {
			end = walk;
		}
		while (auto total = length_at(walk)) {
			if (walk + *total > limit) {
				break;
			}
			walk += *total;
			end = walk;
		}
	}
	int fd = dup_fd();
	if (fd < 0) {
		// Out of descriptors: the client gets no records this time and asks again.
		spdlog::warn("cannot send from {}: {}", log_.path().string(), std::strerror(errno));
		return {};
	}
	return FileRange(fd, position, static_cast<size_t>(end - position));
}

std::optional<std::pair<BatchHeader, uint64_t>> Segment::find_by_timestamp(int64_t timestamp) const {
	if (max_timestamp_ < timestamp) {
		return std::nullopt;
	}
	// Last time-index entry whose running max is below the target: everything
	// up to its batch is older, so the scan starts there.
	uint64_t lo = 0;
	uint64_t hi = time_entries_;
	uint64_t pos = 0;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		uint8_t t[kTimeEntry];
		if (time_index_.pread_some(t, mid * kTimeEntry) < kTimeEntry) {
			break;
		}
		if (static_cast<int64_t>(load_be64(t)) < timestamp) {
			pos = load_be32(t + 12);
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	while (pos < size_) {
		auto h = header_at(pos);
		if (!h) {
			break;
		}
		if (h->max_timestamp >= timestamp) {
			return std::make_pair(*h, pos);
		}
		pos += h->total_size();
	}
	return std::nullopt;
}

void Segment::remove_files() {
	auto stem = file_stem(base_offset_);
	log_.close();
	index_.close();
	time_index_.close();
	std::error_code ec;
	std::filesystem::remove(dir_ / (stem + ".log"), ec);
	std::filesystem::remove(dir_ / (stem + ".index"), ec);
	std::filesystem::remove(dir_ / (stem + ".timeindex"), ec);
}

} // namespace kafkaml::broker::storage
