#include "executors/docker_log_follower.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <sys/stat.h>

namespace kafkaml::executors {

DockerLogFollower::DockerLogFollower(const DockerClient &client, std::string id, std::string log_path,
                                     std::string since)
    : id_(std::move(id)), log_path_(std::move(log_path)) {
	thread_ = std::thread([this, &client, since = std::move(since)] { run(client, since); });
}

std::string DockerLogFollower::path(const std::string &id, const std::string &since, bool follow) {
	return "/containers/" + id + "/logs?stdout=1&stderr=1" + (follow ? "&follow=1" : "") +
	       (since.empty() ? "" : "&since=" + since);
}

std::string DockerLogFollower::since_last_write(const std::string &log_path) {
	struct stat info {};
	if (log_path.empty() || ::stat(log_path.c_str(), &info) != 0) {
		return {};
	}
	char text[48];
	std::snprintf(text, sizeof(text), "%lld.%09ld", static_cast<long long>(info.st_mtim.tv_sec),
	              static_cast<long>(info.st_mtim.tv_nsec));
	return text;
}

void DockerLogFollower::run(const DockerClient &client, const std::string &since) {
	try {
		DockerStream stream(client, "GET", path(id_, since, true));
		if (stream.status() != 200) {
			throw std::runtime_error("the logs endpoint answered " + std::to_string(stream.status()));
		}
		std::ofstream out(log_path_, std::ios::app | std::ios::binary);
		std::string pending;
		while (!stop_) {
			auto piece = stream.read(std::chrono::milliseconds(100));
			if (!piece) {
				break;
			}
			pending += *piece;
			auto text = DockerClient::demultiplex_some(pending);
			if (!text.empty()) {
				out << text;
				out.flush(); // a reader of the log sees each line as it comes
				written_ += text.size();
			}
		}
	} catch (const std::exception &e) {
		spdlog::warn("executor: cannot follow the output of container {}: {}", id_.substr(0, 12), e.what());
	}
	std::lock_guard lock(mutex_);
	done_ = true;
	ended_.notify_all();
}

void DockerLogFollower::finish(std::chrono::milliseconds wait) {
	if (!thread_.joinable()) {
		return;
	}
	{
		std::unique_lock lock(mutex_);
		ended_.wait_for(lock, wait, [this] { return done_; });
	}
	stop_ = true;
	thread_.join();
}

} // namespace kafkaml::executors
