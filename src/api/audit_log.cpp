#include "api/audit_log.h"

#include <spdlog/spdlog.h>

namespace kafkaml::api {

AuditLog::AuditLog(store::Store &store) : store_(store), thread_([this] { run(); }) {}

AuditLog::~AuditLog() {
	{
		std::lock_guard lock(mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	thread_.join();
}

void AuditLog::record(store::AuditEntry entry) {
	{
		std::lock_guard lock(mutex_);
		entries_.push_back(std::move(entry));
		handed_++;
	}
	wake_.notify_one();
}

void AuditLog::touch(int64_t token_id, std::string at) {
	{
		std::lock_guard lock(mutex_);
		touches_.emplace_back(token_id, std::move(at));
		handed_++;
	}
	wake_.notify_one();
}

void AuditLog::flush() {
	std::unique_lock lock(mutex_);
	uint64_t target = handed_;
	written_.wait(lock, [&] { return written_count_ >= target; });
}

// Writes what gathered, then sleeps until more comes. A store that fails
// loses that batch (logged): the audit must not stop the API.
void AuditLog::run() {
	std::unique_lock lock(mutex_);
	while (true) {
		wake_.wait(lock, [&] { return stopping_ || !entries_.empty() || !touches_.empty(); });
		if (entries_.empty() && touches_.empty() && stopping_) {
			return;
		}
		auto entries = std::move(entries_);
		auto touches = std::move(touches_);
		entries_.clear();
		touches_.clear();
		lock.unlock();
		try {
			store_.add_audit_entries(entries);
		} catch (const std::exception &e) {
			spdlog::error("audit: {} entries could not be written: {}", entries.size(), e.what());
		}
		for (const auto &[id, at] : touches) {
			try {
				store_.touch_token(id, at);
			} catch (const std::exception &e) {
				spdlog::warn("audit: last use of token {} not recorded: {}", id, e.what());
			}
		}
		lock.lock();
		written_count_ += entries.size() + touches.size();
		written_.notify_all();
	}
}

} // namespace kafkaml::api
