#pragma once

// What the benchmarks that run `kafkaml` and a Python peer side by side
// share: the broker and server they start, the peer child, statistics and
// the command line. Header-only: each benchmark is one source file.
//
// Thread: main only, unless a function says otherwise.

#include "client/api_client.h"
#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/files.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafkaml::bench {

//! `program args...` with its stdout in dir/NAME.out and its stderr (its log)
//! in dir/NAME.log.
inline testing::ProcessOptions logged(testing::ProcessOptions options, const std::filesystem::path &dir,
                                      const std::string &name) {
	options.out = testing::Output::file(dir / (name + ".out"));
	options.err = testing::Output::file(dir / (name + ".log"));
	return options;
}

//! The middle value (the upper one of an even count); 0 for none. Thread: any.
inline double median(std::vector<double> values) {
	if (values.empty()) {
		return 0;
	}
	std::sort(values.begin(), values.end());
	return values[values.size() / 2];
}

//! The value at fraction `p` of the sorted values (nearest rank); 0 for none.
//! Thread: any.
inline double percentile(std::vector<double> values, double p) {
	if (values.empty()) {
		return 0;
	}
	std::sort(values.begin(), values.end());
	auto index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
	return values[std::min(index, values.size() - 1)];
}

//! The wall clock as Unix seconds: what a Python peer's time.time() prints.
//! Thread: any.
inline double unix_seconds() {
	return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

//! A `/usr/bin/python3 bench/<peer>.py ...` child (Debian's python3-torch
//! and python3-confluent-kafka are installed for it alone); its stdout
//! lines are read from a file.
class PeerProcess {
public:
	PeerProcess(const std::filesystem::path &dir, const std::string &name, std::vector<std::string> args)
	    : process_(logged({.argv = python(std::move(args))}, dir, name)) {}
	~PeerProcess() { process_.terminate(std::chrono::seconds(2)); }
	//! The first stdout line starting with `prefix`; throws with the log if
	//! the peer exits or prints none in time.
	std::string line(const std::string &prefix, std::chrono::seconds timeout) {
		std::string found;
		auto seen = [&](const std::vector<std::string> &lines) {
			for (const auto &line : lines) {
				if (line.rfind(prefix, 0) == 0) {
					found = line;
					return true;
				}
			}
			return false;
		};
		if (process_.wait_for_lines(seen, timeout)) {
			return found;
		}
		if (process_.try_wait()) {
			throw std::runtime_error("the peer exited; its log:\n" + process_.err());
		}
		throw std::runtime_error("the peer printed no '" + prefix + "' in time; its log:\n" + process_.err());
	}

private:
	static std::vector<std::string> python(std::vector<std::string> args) {
		args.insert(args.begin(), "/usr/bin/python3");
		return args;
	}

	testing::ChildProcess process_;
};

//! A `kafkaml broker` child with its data in dir/broker, logging into
//! dir/broker.log, on the listeners `listen_args` give (`--listen
//! 127.0.0.1:0` by default). `kafkaml` is the binary it, and every server
//! and job started after it, runs as.
class KafkamlBroker {
public:
	//! Waits for the `listeners` lines the broker prints, one per listener
	//! (`host:port` for `--listen`, `PROTOCOL://host:port` for `--listeners`).
	KafkamlBroker(const std::string &kafkaml, const std::filesystem::path &dir,
	              std::vector<std::string> listen_args = {"--listen", "127.0.0.1:0"}, size_t listeners = 1) {
		::setenv("KAFKAML_BIN", kafkaml.c_str(), 1);
		std::vector<std::string> args{"broker", "--data-dir", (dir / "broker").string()};
		args.insert(args.end(), listen_args.begin(), listen_args.end());
		process_ = std::make_unique<testing::ChildProcess>(logged(testing::kafkaml_command(args), dir, "broker"));
		auto printed = [&](const std::vector<std::string> &lines) { return lines.size() >= listeners; };
		if (!process_->wait_for_lines(printed, std::chrono::seconds(30))) {
			throw std::runtime_error("kafkaml broker printed no " + std::to_string(listeners) +
			                         " listener(s); its log:\n" + process_->err());
		}
		addresses_ = process_->out_lines();
		addresses_.resize(listeners);
	}
	~KafkamlBroker() { process_->terminate(std::chrono::seconds(15)); }
	KafkamlBroker(const KafkamlBroker &) = delete;
	KafkamlBroker &operator=(const KafkamlBroker &) = delete;

	//! What it printed, one line per listener, in the order of its listeners.
	const std::vector<std::string> &addresses() const { return addresses_; }

private:
	std::unique_ptr<testing::ChildProcess> process_;
	std::vector<std::string> addresses_;
};

//! A `kafkaml server` child on `bootstrap`, its data in dir/NAME, logging
//! into dir/NAME.log, with `extra_args` (`--kafka-config FILE`, ...) and an
//! API client holding its admin token.
class KafkamlServer {
public:
	KafkamlServer(const std::filesystem::path &dir, const std::string &name, const std::string &bootstrap,
	              const std::vector<std::string> &extra_args = {}) {
		std::vector<std::string> args{"server",  "--listen",   "127.0.0.1:0",        "--bootstrap-servers",
		                              bootstrap, "--data-dir", (dir / name).string()};
		args.insert(args.end(), extra_args.begin(), extra_args.end());
		dir_ = dir / name;
		process_ = std::make_unique<testing::ChildProcess>(logged(testing::kafkaml_command(args), dir, name));
		auto url = process_->required_first_line();
		api_.emplace(url, testing::read_file(dir / name / "admin-token").substr(0, 64));
	}
	// SIGTERM first: the server stops the jobs it started, which live in
	// sessions of their own.
	~KafkamlServer() { process_->terminate(std::chrono::seconds(15)); }
	KafkamlServer(const KafkamlServer &) = delete;
	KafkamlServer &operator=(const KafkamlServer &) = delete;

	//! The server's data directory: its jobs' logs are in jobs/.
	const std::filesystem::path &dir() const { return dir_; }
	//! A failed call throws, which ends the bench.
	const client::ApiClient &api() const { return *api_; }

private:
	std::filesystem::path dir_;
	std::unique_ptr<testing::ChildProcess> process_;
	std::optional<client::ApiClient> api_;
};

//! A `kafkaml broker` and a `kafkaml server` on it (data in dir/broker and
//! dir/server); the server stops first.
class KafkamlServices {
public:
	//! `server_args` are added to the server's command line (e.g. its executor).
	KafkamlServices(const std::string &kafkaml, const std::filesystem::path &dir,
	                const std::vector<std::string> &server_args = {})
	    : broker_(kafkaml, dir), server_(dir, "server", broker_.addresses().front(), server_args) {}

	const std::string &bootstrap() const { return broker_.addresses().front(); }
	//! The server's data directory: its jobs' logs are in jobs/.
	const std::filesystem::path &server_dir() const { return server_.dir(); }
	//! A failed call throws, which ends the bench.
	const client::ApiClient &api() const { return server_.api(); }

private:
	KafkamlBroker broker_;
	KafkamlServer server_;
};

//! A private Docker daemon for a benchmark, started and stopped by the
//! test fixture's script (tests/docker/dockerd: no bridge, no iptables,
//! containers on the host's network), which also builds the image
//! kafkaml:<version> from `build_dir` (scripts/image). Needs root and
//! dockerd (scripts/install-deps --test).
class DockerDaemon {
public:
	DockerDaemon(const std::string &source_dir, const std::string &build_dir, const std::filesystem::path &dir)
	    : script_(source_dir + "/tests/docker/dockerd"), dir_(dir) {
		// Its own session: the daemon it leaves running is not in the group
		// that run() kills when the script ends.
		auto started = testing::run({.argv = {"/usr/bin/setsid", "--wait", script_, "start", dir_.string(), build_dir},
		                             .out = testing::Output::file(dir_.parent_path() / "dockerd-start.out"),
		                             .err = testing::Output::file(dir_.parent_path() / "dockerd-start.log")},
		                            std::chrono::minutes(10));
		if (started.status != 0) {
			throw std::runtime_error((started.status == 77 ? "dockerd cannot run here (not installed, or not root): "
			                                               : "tests/docker/dockerd start failed: ") +
			                         testing::read_file(dir_.parent_path() / "dockerd-start.log"));
		}
		image_ = testing::read_file(dir_ / "image");
		while (!image_.empty() && (image_.back() == '\n' || image_.back() == ' ')) {
			image_.pop_back();
		}
	}
	~DockerDaemon() { testing::run({.argv = {script_, "stop", dir_.string()}, .out = testing::Output::discard()}); }
	DockerDaemon(const DockerDaemon &) = delete;
	DockerDaemon &operator=(const DockerDaemon &) = delete;

	//! The server's options that run its jobs as containers of the image here.
	std::vector<std::string> server_args() const {
		return {"--executor", "docker", "--docker-host", "unix://" + (dir_ / "docker.sock").string(),
		        "--image",    image_};
	}
	const std::string &image() const { return image_; }

private:
	std::string script_;
	std::filesystem::path dir_;
	std::string image_;
};

//! The command line, option by option:
//!   for (Arguments args(argc, argv); args.next();)
//!       if (args.is("--runs")) runs = std::stoi(args.value()); ...
class Arguments {
public:
	Arguments(int argc, char **argv) : argc_(argc), argv_(argv) {}
	//! Moves to the next option; false after the last.
	bool next() {
		if (++index_ >= argc_) {
			return false;
		}
		name_ = argv_[index_];
		return true;
	}
	bool is(const char *name) const { return name_ == name; }
	//! The option's value, the next argument; throws when there is none.
	std::string value() {
		if (index_ + 1 >= argc_) {
			throw std::runtime_error(name_ + " needs a value");
		}
		return argv_[++index_];
	}
	//! Throws for the current option, listing the known ones.
	[[noreturn]] void unknown(const std::string &usage) const {
		throw std::runtime_error("unknown option " + name_ + "; options: " + usage);
	}

private:
	int argc_;
	char **argv_;
	int index_ = 0;
	std::string name_;
};

} // namespace kafkaml::bench
