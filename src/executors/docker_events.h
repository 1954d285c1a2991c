#pragma once

// The daemon's event stream (GET /events) for the containers of one server:
// which of them died, with their exit codes, as it happens. The Docker
// runtime's instances ask it instead of inspecting each container twice a
// second; a die event wakes the supervisor's monitor at once. When the
// stream is down (the daemon restarting) live() is false and the instances
// fall back to inspecting; on reconnection it asks for the events it missed
// (`since`).

#include "executors/docker_client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace kafkaml::executors {

//! Thread: its own reader thread from construction to destruction; the
//! other methods from any thread (one mutex).
class ContainerEvents {
public:
	//! Follows the die events of the containers labelled
	//! kafkaml.server=`server`. Waits up to `connect_wait` for the stream to
	//! be up, so that the first containers' ends are not missed; carries on
	//! (polling) when it is not.
	ContainerEvents(const DockerClient &client, const std::string &server,
	                std::chrono::milliseconds connect_wait = std::chrono::seconds(5));
	~ContainerEvents();
	ContainerEvents(const ContainerEvents &) = delete;
	ContainerEvents &operator=(const ContainerEvents &) = delete;

	//! Called after each die event (null: nobody); it must be quick and take
	//! no lock that is held around a call of ours. Thread: any; the call
	//! comes on the reader thread under our lock, so that once
	//! set_wake(nullptr) has returned, no call is under way.
	void set_wake(std::function<void()> wake);
	//! Whether the stream is up: a die is then reported within milliseconds.
	bool live() const { return live_; }
	//! The exit code of `id`'s die event, once (-1 when the event had none).
	std::optional<int> take_death(const std::string &id);
	//! Drops what is known of `id` (removed: no event of it matters now).
	void forget(const std::string &id);

private:
	void run();
	//! One event's JSON line. Lock not held.
	void on_event(const std::string &line);

	const DockerClient &client_;
	std::string filters_;
	std::atomic<bool> stopping_{false};
	std::atomic<bool> live_{false};
	mutable std::mutex mutex_;
	std::condition_variable changed_;
	std::function<void()> wake_;
	//! Container id -> its exit code and when the event came (old ones of
	//! containers nobody asks about, e.g. stopped ones, are pruned).
	std::map<std::string, std::pair<int, std::chrono::steady_clock::time_point>> deaths_;
	std::thread thread_;
};

} // namespace kafkaml::executors
