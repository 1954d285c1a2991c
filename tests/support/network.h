#pragma once

// Loopback ports for tests. Thread: any.

namespace kafkaml::testing {

//! A TCP port on 127.0.0.1 that nobody listened on a moment ago: bound with
//! port 0, read back, closed. Another process may take it before the caller
//! does; prefer letting the server bind port 0 and print its address, and
//! use this only where a port must be chosen up front (or must be closed).
//! Throws std::runtime_error when no socket can be bound.
int free_port();

} // namespace kafkaml::testing
