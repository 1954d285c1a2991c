#pragma once

// The body of a streamed response (server-sent events): a producer on any
// thread pushes chunks, the server writes them to one connection.
//
// A handler makes the channel, connects its producer (for example a Kafka
// subscription calling push()), hands the producer's handle to keep() and
// returns the channel in Response::stream. The server attaches the
// connection; chunks pushed before that wait in the channel. When either
// side ends (the client goes away, the server stops, the backlog overflows)
// the channel closes: push() returns false from then on and the kept handle
// is destroyed, which disconnects the producer.
//
// The backlog is bounded: a client that reads slower than the producer
// writes is cut off once `max_backlog` bytes wait, rather than holding the
// server's memory. (Browsers' EventSource reconnects by itself.)
//
// Thread-safety: every method may be called from any thread; one mutex
// guards the queue. The wake-up callback runs under it, so that once
// close() has returned no wake-up is running or will run: it must only
// schedule work (post to an event loop), never call back into the channel.
// The kept handle is destroyed outside it, since disconnecting a producer
// may wait for that producer's push() to return.

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace kafkaml::http {

class StreamChannel {
public:
	explicit StreamChannel(size_t max_backlog = size_t{1} << 20) : max_backlog_(max_backlog) {}
	~StreamChannel();
	StreamChannel(const StreamChannel &) = delete;
	StreamChannel &operator=(const StreamChannel &) = delete;

	//! Queues `chunk` for the client. False once the channel is closed
	//! (then the producer should stop); an overflow closes it.
	bool push(std::string chunk);
	//! Keeps the producer's handle alive until the channel closes.
	void keep(std::shared_ptr<void> handle);
	//! Ends the stream; idempotent. Destroys the kept handle on the
	//! calling thread, outside the lock.
	void close();
	bool closed() const;
	//! True when the channel closed because the client fell behind.
	bool overflowed() const;

	// ---- for the server
	//! `wake` is called (on the pushing thread, under the lock) when chunks
	//! arrive while the server is not already due to take them, and when
	//! the channel closes by overflow; at once if some wait.
	void attach(std::function<void()> wake);
	//! Takes every queued chunk, joined; empty when none wait. Re-arms the
	//! wake-up.
	std::string take();

private:
	const size_t max_backlog_;
	mutable std::mutex mutex_;
	std::deque<std::string> chunks_;
	size_t queued_bytes_ = 0;
	bool closed_ = false;
	bool overflowed_ = false;
	bool wake_pending_ = false;
	std::function<void()> wake_;
	std::shared_ptr<void> kept_;
};

} // namespace kafkaml::http
