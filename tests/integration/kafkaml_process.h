#pragma once

// Runs `kafkaml` subcommands as child processes for end-to-end tests and
// reads the first line they print (the address they listen on).

#include "supervisor/child_process.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace kafkaml::testing {

inline std::string kafkaml_binary() {
	const char *bin = std::getenv("KAFKAML_BIN");
	if (!bin) {
		throw std::runtime_error("KAFKAML_BIN is not set; run the test through ctest");
	}
	return bin;
}

inline std::filesystem::path make_temp_dir(const std::string &name) {
	auto pattern = (std::filesystem::temp_directory_path() / ("kafkaml-" + name + "-XXXXXX")).string();
	if (!::mkdtemp(pattern.data())) {
		throw std::runtime_error("cannot make a temporary directory");
	}
	return pattern;
}

inline std::string read_text(const std::filesystem::path &path) {
	std::ifstream in(path);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

//! A `kafkaml` child process; stdout and stderr go to files in `dir`.
class KafkamlProcess {
public:
	KafkamlProcess(const std::filesystem::path &dir, const std::string &name, std::vector<std::string> args)
	    : stdout_path_(dir / (name + ".out")), log_path_(dir / (name + ".log")) {
		supervisor::ProcessSpec spec;
		spec.argv = {kafkaml_binary()};
		spec.argv.insert(spec.argv.end(), args.begin(), args.end());
		spec.log_path = log_path_.string();
		spec.stdout_path = stdout_path_.string();
		process_.emplace(supervisor::ChildProcess::spawn(spec));
	}
	~KafkamlProcess() { stop(); }

	//! The first line printed on stdout; throws (with the log) if the process
	//! exits or prints nothing within `timeout`.
	std::string first_line(std::chrono::seconds timeout = std::chrono::seconds(30)) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		while (std::chrono::steady_clock::now() < deadline) {
			auto text = read_text(stdout_path_);
			auto newline = text.find('\n');
			if (newline != std::string::npos) {
				return text.substr(0, newline);
			}
			if (process_->try_wait()) {
				throw std::runtime_error("kafkaml exited early; its log:\n" + log());
			}
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		}
		throw std::runtime_error("kafkaml printed no line in time; its log:\n" + log());
	}
	//! Waits for the process to exit; returns its status.
	int wait(std::chrono::seconds timeout = std::chrono::seconds(120)) {
		auto deadline = std::chrono::steady_clock::now() + timeout;
		while (std::chrono::steady_clock::now() < deadline) {
			if (auto status = process_->try_wait()) {
				return *status;
			}
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		}
		throw std::runtime_error("kafkaml did not finish in time; its log:\n" + log());
	}
	int stop(std::chrono::milliseconds grace = std::chrono::seconds(15)) {
		return process_ ? process_->terminate(grace) : -1;
	}
	pid_t pid() const { return process_->pid(); }
	std::string output() const { return read_text(stdout_path_); }
	std::string log() const { return read_text(log_path_); }

private:
	std::filesystem::path stdout_path_;
	std::filesystem::path log_path_;
	std::optional<supervisor::ChildProcess> process_;
};

} // namespace kafkaml::testing
