#pragma once

#include <chrono>

namespace kafkaml {

//! Process-wide shutdown request raised by SIGINT or SIGTERM.
//!
//! `install()` once on the main thread; afterwards any thread may poll
//! `requested()` or block in `wait_for()`. The handler only writes to a pipe
//! and an atomic, so it is async-signal-safe.
class ShutdownSignal {
public:
	//! Installs handlers for SIGINT and SIGTERM. Idempotent.
	static void install();
	//! True once a signal arrived or `request()` was called.
	static bool requested();
	//! Raises the request by hand (tests, fatal errors in a worker thread).
	static void request();
	//! Blocks up to `timeout`; returns `requested()`.
	static bool wait_for(std::chrono::milliseconds timeout);
	//! File descriptor that becomes readable on shutdown (for poll loops).
	static int fd();
};

} // namespace kafkaml
