#include "server/lease_keeper.h"

#include <spdlog/spdlog.h>

namespace kafkaml::server {

LeaseKeeper::LeaseKeeper(store::Coordination &store, std::string name, std::string holder, std::string address,
                         LeaseTiming timing)
    : store_(store), name_(std::move(name)), holder_(std::move(holder)), timing_(timing), address_(std::move(address)) {
}

LeaseKeeper::~LeaseKeeper() {
	stop();
}

bool LeaseKeeper::try_acquire() {
	// Taken before the request: the store's expiry is at least `ttl` after
	// the moment the database ran the statement, which is later than this.
	auto asked_at = std::chrono::steady_clock::now();
	std::string address;
	{
		std::lock_guard lock(mutex_);
		address = address_;
	}
	store::Lease lease;
	try {
		lease = store_.acquire_lease(name_, holder_, address, timing_.ttl.count());
	} catch (const std::exception &e) {
		std::lock_guard lock(mutex_);
		if (!store_failing_) {
			spdlog::warn("server: cannot take or renew the orchestrator's lease: {}", e.what());
			store_failing_ = true;
		}
		return std::chrono::steady_clock::now() < held_until_;
	}
	std::lock_guard lock(mutex_);
	store_failing_ = false;
	bool was_held = std::chrono::steady_clock::now() < held_until_;
	if (lease.holder == holder_) {
		held_until_ = asked_at + timing_.ttl;
		if (!was_held) {
			spdlog::info("server: this server orchestrates (lease term {})", lease.term);
		}
	} else {
		held_until_ = {};
		if (was_held || last_.holder != lease.holder) {
			spdlog::info("server: {} orchestrates (lease term {}); this server serves the API", lease.address,
			             lease.term);
		}
	}
	last_ = lease;
	return lease.holder == holder_;
}

void LeaseKeeper::set_address(std::string address) {
	std::lock_guard lock(mutex_);
	address_ = std::move(address);
}

void LeaseKeeper::start() {
	std::lock_guard lock(mutex_);
	if (thread_.joinable()) {
		return;
	}
	stopping_ = false;
	thread_ = std::thread([this] { run(); });
}

void LeaseKeeper::run() {
	std::unique_lock lock(mutex_);
	while (!wake_.wait_for(lock, timing_.renew_every, [this] { return stopping_; })) {
		lock.unlock();
		try_acquire();
		lock.lock();
	}
}

void LeaseKeeper::stop() {
	{
		std::lock_guard lock(mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	if (thread_.joinable()) {
		thread_.join();
	}
	bool held = false;
	{
		std::lock_guard lock(mutex_);
		held = std::chrono::steady_clock::now() < held_until_;
		held_until_ = {};
	}
	if (!held) {
		return;
	}
	try {
		store_.release_lease(name_, holder_);
		spdlog::info("server: the orchestrator's lease is released");
	} catch (const std::exception &e) {
		spdlog::warn("server: cannot release the orchestrator's lease (it expires by itself): {}", e.what());
	}
}

bool LeaseKeeper::leads() const {
	std::lock_guard lock(mutex_);
	return std::chrono::steady_clock::now() < held_until_;
}

LeaseView LeaseKeeper::view() const {
	std::lock_guard lock(mutex_);
	LeaseView view;
	view.held = std::chrono::steady_clock::now() < held_until_;
	view.term = last_.term;
	if (view.held || last_.expires_in_ms > 0) {
		view.leader_url = last_.address;
	}
	return view;
}

} // namespace kafkaml::server
