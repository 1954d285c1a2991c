#include "broker/server/input_buffer.h"

#include <algorithm>
#include <cstring>

namespace kafkaml::broker::server {

void InputBuffer::consume(size_t n) {
	begin_ += n;
	if (begin_ == end_) {
		begin_ = end_ = 0;
		if (capacity_ > kKeepBytes) {
			data_.reset();
			capacity_ = 0;
		}
	}
}

void InputBuffer::reserve_tail(size_t n) {
	if (capacity_ - end_ >= n) {
		return;
	}
	size_t live = end_ - begin_;
	if (begin_ > 0 && capacity_ - live >= n) {
		std::memmove(data_.get(), data_.get() + begin_, live);
	} else {
		size_t capacity = std::max(capacity_ * 2, live + n);
		std::unique_ptr<uint8_t[]> bigger(new uint8_t[capacity]);
		if (live > 0) {
			std::memcpy(bigger.get(), data_.get() + begin_, live);
		}
		data_ = std::move(bigger);
		capacity_ = capacity;
	}
	begin_ = 0;
	end_ = live;
}

} // namespace kafkaml::broker::server
