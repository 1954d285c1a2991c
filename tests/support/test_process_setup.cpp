// Linked into every test executable (see kafkaml_test in
// cmake/kafkaml_target.cmake): process-wide settings tests rely on.

#include <csignal>

namespace {

//! A test that talks to a child process through a pipe (Python clients,
//! kcat) must see EPIPE when the child is gone, not die of SIGPIPE.
const bool sigpipe_ignored = [] {
	std::signal(SIGPIPE, SIG_IGN);
	return true;
}();

} // namespace
