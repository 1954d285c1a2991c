#pragma once

// What servers sharing one store need to agree on, beside the store itself:
// a lease (which of them orchestrates) and the job records a server that
// does not orchestrate adds for the one that does. On a connection of its
// own, so that renewing the lease never waits behind the store's other
// calls (a large model's bytes, say), which share the store's connection.
//
// Thread-safety: every method may be called from any thread; one mutex
// serialises them on the connection.

#include "store/sql_connection.h"
#include "store/store.h"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace kafkaml::store {

//! A lease one of several servers sharing the store holds for a while, to
//! be the only one doing something. Times are the database's, never a
//! server's.
struct Lease {
	std::string holder;  //!< who holds it (a server's stable id); empty: nobody ever did
	std::string address; //!< the holder's REST API, for the others to name
	//! Raised each time the lease changes hands: a holder that sees another
	//! term than the one it took has lost it meanwhile.
	int64_t term = 0;
	//! Milliseconds until it expires, by the database's clock; <= 0: expired.
	int64_t expires_in_ms = 0;
};

class Coordination {
public:
	//! On the database of `url`, whose schema open_store() has brought up
	//! to date. Throws StoreError when it cannot be reached.
	explicit Coordination(std::string_view url);

	//! Takes lease `name` for `holder`, its API at `address`, for `ttl_ms`
	//! from now by the database's clock when it is free, expired or already
	//! `holder`'s (a renewal), in one statement: of several servers asking
	//! at once, one gets it. Returns the lease as it stands afterwards,
	//! whoever holds it.
	Lease acquire_lease(std::string_view name, std::string_view holder, std::string_view address, int64_t ttl_ms);
	//! The lease as it stands; holder empty when nobody ever took it.
	Lease get_lease(std::string_view name);
	//! Expires `holder`'s lease now (a clean stop: another server takes it
	//! at its next attempt); nothing when another holds it.
	void release_lease(std::string_view name, std::string_view holder);

	//! Inserts the job unless one of its (kind, owner, replica) exists,
	//! which is left as it is (its pid above all). Returns whether it was
	//! inserted. How a server that does not orchestrate asks for a job.
	bool add_job_if_absent(const Job &job);

private:
	//! SQL for the database's clock in milliseconds since the epoch.
	std::string now_ms() const;
	Lease lease_locked(std::string_view name);

	std::mutex mutex_;
	std::unique_ptr<SqlConnection> db_;
};

} // namespace kafkaml::store
