#include "executors/docker_events.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace kafkaml::executors {
namespace {

using nlohmann::json;

//! A die event nobody asked about for this long is of a container that is
//! gone (stopped and removed): forgotten.
constexpr auto kForgetAfter = std::chrono::minutes(5);

double unix_now() {
	return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

} // namespace

ContainerEvents::ContainerEvents(const DockerClient &client, const std::string &server,
                                 std::chrono::milliseconds connect_wait)
    : client_(client) {
	json filters = {{"type", {"container"}}, {"event", {"die"}}, {"label", {"kafkaml.server=" + server}}};
	filters_ = DockerClient::query_escape(filters.dump());
	thread_ = std::thread([this] { run(); });
	std::unique_lock lock(mutex_);
	changed_.wait_for(lock, connect_wait, [this] { return live_.load(); });
}

ContainerEvents::~ContainerEvents() {
	stopping_ = true;
	changed_.notify_all();
	thread_.join();
}

void ContainerEvents::set_wake(std::function<void()> wake) {
	std::lock_guard lock(mutex_);
	wake_ = std::move(wake);
}

std::optional<int> ContainerEvents::take_death(const std::string &id) {
	std::lock_guard lock(mutex_);
	auto it = deaths_.find(id);
	if (it == deaths_.end()) {
		return std::nullopt;
	}
	int code = it->second.first;
	deaths_.erase(it);
	return code;
}

void ContainerEvents::forget(const std::string &id) {
	std::lock_guard lock(mutex_);
	deaths_.erase(id);
}

void ContainerEvents::on_event(const std::string &line) {
	json event;
	try {
		event = json::parse(line);
	} catch (const std::exception &) {
		return;
	}
	auto actor = event.value("Actor", json::object());
	auto id = actor.value("ID", event.value("id", ""));
	if (id.empty()) {
		return;
	}
	int code = -1;
	try {
		code = std::stoi(actor.value("Attributes", json::object()).value("exitCode", "-1"));
	} catch (const std::exception &) {
	}
	std::lock_guard lock(mutex_);
	auto now = std::chrono::steady_clock::now();
	std::erase_if(deaths_, [&](const auto &entry) { return now - entry.second.second > kForgetAfter; });
	deaths_[id] = {code, now};
	// Under the lock: once set_wake(nullptr) returns, no call is under way
	// (the supervisor then destroys what it wakes). It only notifies.
	if (wake_) {
		wake_();
	}
}

void ContainerEvents::run() {
	std::optional<double> since; // after a break: the events missed meanwhile
	bool warned = false;
	while (!stopping_) {
		try {
			std::string path = "/events?filters=" + filters_;
			if (since) {
				path += "&since=" + std::to_string(*since);
			}
			DockerStream stream(client_, "GET", path);
			if (stream.status() != 200) {
				throw std::runtime_error("the events endpoint answered " + std::to_string(stream.status()));
			}
			{
				std::lock_guard lock(mutex_);
				live_ = true;
			}
			changed_.notify_all();
			if (warned) {
				spdlog::info("executor: following the Docker daemon's events again");
				warned = false;
			}
			std::string pending;
			while (!stopping_) {
				auto piece = stream.read(std::chrono::milliseconds(200));
				if (!piece) {
					break;
				}
				pending += *piece;
				for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
					on_event(pending.substr(0, end));
					pending.erase(0, end + 1);
				}
			}
			since = unix_now() - 1; // the events from here on are asked for again
		} catch (const std::exception &e) {
			if (!warned) {
				spdlog::warn("executor: cannot follow the Docker daemon's events ({}); inspecting each container "
				             "twice a second until it answers",
				             e.what());
				warned = true;
			}
		}
		live_ = false;
		std::unique_lock lock(mutex_);
		changed_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_.load(); });
	}
}

} // namespace kafkaml::executors
