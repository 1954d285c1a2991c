#pragma once

// What every fork/exec caller needs around execve and waitpid: the exit code
// a shell would report, and argv/envp as the C arrays execve takes. Shared by
// the supervisor and the tests' child processes. Thread: any.

#include <string>
#include <sys/wait.h>
#include <vector>

namespace kafkaml {

//! The exit code of a waitpid status: the process's own, 128 + signal when a
//! signal ended it (as a shell reports it), 255 otherwise.
inline int decode_wait_status(int status) {
	if (WIFEXITED(status)) {
		return WEXITSTATUS(status);
	}
	if (WIFSIGNALED(status)) {
		return 128 + WTERMSIG(status);
	}
	return 255;
}

//! Null-terminated pointers into `strings` (which must outlive them), built
//! before fork so the child only calls execve.
inline std::vector<char *> as_c_strings(std::vector<std::string> &strings) {
	std::vector<char *> pointers;
	pointers.reserve(strings.size() + 1);
	for (auto &s : strings) {
		pointers.push_back(s.data());
	}
	pointers.push_back(nullptr);
	return pointers;
}

} // namespace kafkaml
