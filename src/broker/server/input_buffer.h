#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace kafkaml::broker::server {

//! Receive buffer of one connection: bytes are read into the free tail and
//! consumed from the head. Unlike std::vector it never zero-fills the space
//! it reads into, and it moves only the unconsumed bytes (a partial frame)
//! when it needs room, so large produce streams cost one copy (the read).
//! A buffer that grew past kKeepBytes is released once empty, so an idle
//! connection holds little memory. Not thread-safe (network thread).
class InputBuffer {
public:
	static constexpr size_t kKeepBytes = 4u << 20;

	size_t size() const { return end_ - begin_; }
	uint8_t *head() { return data_.get() + begin_; }
	uint8_t *tail() { return data_.get() + end_; }
	size_t tail_room() const { return capacity_ - end_; }
	//! Marks `n` bytes read into tail() as filled.
	void commit(size_t n) { end_ += n; }
	void consume(size_t n);
	//! Makes at least `n` bytes of room after the data.
	void reserve_tail(size_t n);

private:
	std::unique_ptr<uint8_t[]> data_;
	size_t capacity_ = 0;
	size_t begin_ = 0;
	size_t end_ = 0;
};

} // namespace kafkaml::broker::server
