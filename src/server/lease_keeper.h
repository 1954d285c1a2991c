#pragma once

// The orchestrator's lease: of several servers on one store, the one that
// holds it runs the jobs. The keeper takes the lease when it is free or
// expired and renews it well before it expires; a server that cannot renew
// it in time (its database away, the process paused) stops calling itself
// the holder before the lease expires in the store, so two servers never
// both believe they hold it, whatever their clocks say of the time of day.

#include "store/coordination.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace kafkaml::server {

struct LeaseTiming {
	//! How long a taken or renewed lease lasts (by the database's clock).
	std::chrono::milliseconds ttl{10000};
	//! How often the holder renews it, and a standby asks for it.
	std::chrono::milliseconds renew_every{2000};
};

//! What the keeper last learnt of the lease.
struct LeaseView {
	bool held = false;      //!< this server holds it now (leads())
	std::string leader_url; //!< the holder's REST API; empty when nobody holds it
	int64_t term = 0;       //!< raised each time the lease changes hands
};

//! Thread: `start`/`stop` on the owner's thread; `try_acquire` on the
//! owner's thread before `start` or on the keeper's own thread; `leads` and
//! `view` from any thread.
class LeaseKeeper {
public:
	//! `holder`: this server's id, stable across its restarts (a restarted
	//! server takes its own lease back at once); `address`: its REST API.
	LeaseKeeper(store::Coordination &store, std::string name, std::string holder, std::string address,
	            LeaseTiming timing = {});
	~LeaseKeeper();
	LeaseKeeper(const LeaseKeeper &) = delete;
	LeaseKeeper &operator=(const LeaseKeeper &) = delete;

	//! One attempt to take or renew the lease; returns leads(). A store
	//! error counts as a failed attempt (logged once until one succeeds).
	bool try_acquire();
	//! Starts renewing (or asking for) the lease every `renew_every`.
	void start();
	//! Stops the keeper and releases the lease if held, so that another
	//! server takes it at once. Idempotent.
	void stop();

	//! Whether this server holds the lease: taken or renewed less than
	//! `ttl` ago, counted from before the request that did it was sent (so
	//! never later than the store's own expiry, the clocks' rates aside).
	bool leads() const;
	LeaseView view() const;
	const std::string &holder() const { return holder_; }
	//! The REST API named in the lease from the next attempt on (a server
	//! knows its port once it listens).
	void set_address(std::string address);

private:
	void run();

	store::Coordination &store_;
	const std::string name_;
	const std::string holder_;
	const LeaseTiming timing_;

	mutable std::mutex mutex_; //!< guards the fields below
	std::string address_;
	std::condition_variable wake_;
	bool stopping_ = false;
	//! Until when this server holds the lease by its own clock; past: not.
	std::chrono::steady_clock::time_point held_until_{};
	store::Lease last_;
	bool store_failing_ = false;
	std::thread thread_;
};

} // namespace kafkaml::server
