#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace kafkaml::broker::storage {

//! fdatasync off the network thread, for `--fsync interval`: a sync of a
//! segment with megabytes of dirty pages can take longer than a second on a
//! slow disk, and on the network thread it would stall every client (that
//! was the p99 latency). The owner hands over duplicated descriptors of the
//! files to sync; this thread syncs and closes them. Durability is unchanged:
//! batches are written (pwrite) before they are acknowledged either way.
//!
//! The thread runs at a lower scheduling priority (nice +10): preparing the
//! writeback of dirty pages costs CPU that, on a small machine, would be
//! taken from the network thread and the clients on the same cores. It gets
//! the idle moments, which a busy broker still has; under full load a round
//! can start late, and a round never overlaps the next.
//!
//! Threading: `submit` and the destructor on the owner's (network) thread;
//! the syncs on an internal thread. A mutex guards the hand-over only.
class BackgroundSync {
public:
	BackgroundSync();
	//! Finishes the pending round, then joins the thread.
	~BackgroundSync();
	BackgroundSync(const BackgroundSync &) = delete;
	BackgroundSync &operator=(const BackgroundSync &) = delete;

	//! Hands `fds` (owned from now on) over for one sync round. Returns false,
	//! leaving `fds` to the caller, while the previous round still runs.
	bool submit(std::vector<int> &fds);
	//! True while a round is pending or running.
	bool busy();

private:
	void run();

	std::mutex mutex_;
	std::condition_variable wake_;
	std::vector<int> pending_;
	bool running_ = false;
	bool stop_ = false;
	std::thread thread_;
};

} // namespace kafkaml::broker::storage
