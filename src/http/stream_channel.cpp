#include "http/stream_channel.h"

namespace kafkaml::http {

StreamChannel::~StreamChannel() {
	close();
}

bool StreamChannel::push(std::string chunk) {
	std::lock_guard lock(mutex_);
	if (closed_) {
		return false;
	}
	if (queued_bytes_ + chunk.size() > max_backlog_) {
		// The producer's handle is left for close(): destroying it here, on
		// the producer's own thread and inside its callback, could wait for
		// that very callback to return.
		closed_ = true;
		overflowed_ = true;
		if (wake_) {
			wake_(); // the server learns of the close and ends the connection
		}
		return false;
	}
	queued_bytes_ += chunk.size();
	chunks_.push_back(std::move(chunk));
	if (wake_ && !wake_pending_) {
		wake_pending_ = true;
		wake_();
	}
	return true;
}

void StreamChannel::keep(std::shared_ptr<void> handle) {
	std::unique_lock lock(mutex_);
	if (closed_) {
		lock.unlock();
		return; // `handle` goes out of scope here: the producer disconnects at once
	}
	kept_ = std::move(handle);
}

void StreamChannel::close() {
	std::shared_ptr<void> dropped;
	{
		std::lock_guard lock(mutex_);
		closed_ = true;
		dropped = std::move(kept_);
		wake_ = nullptr;
	}
}

bool StreamChannel::closed() const {
	std::lock_guard lock(mutex_);
	return closed_;
}

bool StreamChannel::overflowed() const {
	std::lock_guard lock(mutex_);
	return overflowed_;
}

void StreamChannel::attach(std::function<void()> wake) {
	std::lock_guard lock(mutex_);
	wake_ = std::move(wake);
	wake_pending_ = !chunks_.empty() || closed_;
	if (wake_pending_) {
		wake_();
	}
}

std::string StreamChannel::take() {
	std::lock_guard lock(mutex_);
	wake_pending_ = false;
	std::string joined;
	joined.reserve(queued_bytes_);
	for (auto &chunk : chunks_) {
		joined += chunk;
	}
	chunks_.clear();
	queued_bytes_ = 0;
	return joined;
}

} // namespace kafkaml::http
