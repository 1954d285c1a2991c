#pragma once

// The audit log's writer: calls that changed data or were refused are
// handed over here (on the HTTP I/O and worker threads) and written to the
// store in batches by one thread of its own, so no request waits for the
// database to record it. Tokens' last_used_at goes the same way.
//
// Thread-safety: record(), touch() and flush() from any thread; the
// destructor writes what is pending and joins the writer.

#include "store/store.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kafkaml::api {

class AuditLog {
public:
	explicit AuditLog(store::Store &store);
	~AuditLog();
	AuditLog(const AuditLog &) = delete;
	AuditLog &operator=(const AuditLog &) = delete;

	void record(store::AuditEntry entry);
	void touch(int64_t token_id, std::string at);
	//! Returns once everything handed over before the call is in the store.
	void flush();

private:
	void run();

	store::Store &store_;
	std::mutex mutex_;
	std::condition_variable wake_;
	std::condition_variable written_;
	std::vector<store::AuditEntry> entries_;
	std::vector<std::pair<int64_t, std::string>> touches_;
	uint64_t handed_ = 0;        //!< items handed over so far
	uint64_t written_count_ = 0; //!< items written (or given up on) so far
	bool stopping_ = false;
	std::thread thread_;
};

} // namespace kafkaml::api
