#include "executors/docker_runtime.h"

#include "executors/docker_log_follower.h"
#include "executors/keyed_digest.h"
#include "executors/url_encode.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace kafkaml::executors {
namespace {

using nlohmann::json;

constexpr const char *kTokenVariable = "KAFKAML_TOKEN=";
//! The container's uid for a server running as root: the image's user.
constexpr uid_t kImageUid = 1000;

std::string token_of(const supervisor::ProcessSpec &spec) {
	for (const auto &entry : spec.extra_env) {
		if (entry.rfind(kTokenVariable, 0) == 0) {
			return entry.substr(std::string(kTokenVariable).size());
		}
	}
	return {};
}

//! Writes `content` to `path` (0400), owned by `uid`: the container's user
//! reads it, nobody else. Replaced atomically, so a starting container never
//! reads half a file.
void write_secret(const std::filesystem::path &path, const std::string &content, uid_t uid, gid_t gid) {
	auto temporary = path.string() + ".new";
	{
		std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
		out << content;
		if (!out) {
			throw std::runtime_error("cannot write " + temporary + " for the containers");
		}
	}
	::chmod(temporary.c_str(), 0400);
	if (::geteuid() == 0 && ::chown(temporary.c_str(), uid, gid) != 0) {
		throw std::runtime_error("cannot give " + temporary + " to the containers' user");
	}
	std::filesystem::rename(temporary, path);
}

//! While the event stream is up, a container is still inspected this often:
//! the safety net for an event lost in a reconnection.
constexpr auto kSafetyPoll = std::chrono::seconds(10);
//! Without the event stream: twice a second, as before it.
constexpr auto kFallbackPoll = std::chrono::milliseconds(500);

//! One container of a job. Its output goes to the job's log file while it
//! runs (DockerLogFollower); when it ends the container is removed: the next
//! instance of the job is a new container. Its end is known from the
//! daemon's die event (ContainerEvents), or from an inspect, the safety net.
class ContainerInstance final : public supervisor::JobInstance {
public:
	//! `follow`: a running container whose output is followed from `since`
	//! (empty: its start); otherwise one about to be collected.
	ContainerInstance(const DockerClient &client, ContainerEvents &events, std::string id, pid_t pid,
	                  std::string log_path, bool follow, const std::string &since = "")
	    : client_(client), events_(events), id_(std::move(id)), pid_(pid), log_path_(std::move(log_path)),
	      since_(since) {
		if (follow && !log_path_.empty()) {
			follower_ = std::make_unique<DockerLogFollower>(client_, id_, log_path_, since);
		}
	}

	pid_t pid() const override { return pid_; }

	std::optional<int> try_wait() override {
		if (auto code = events_.take_death(id_)) {
			if (*code >= 0) {
				collect();
				return code;
			}
			last_inspect_ = {}; // an event without its exit code: ask the daemon now
		}
		auto now = std::chrono::steady_clock::now();
		auto period = events_.live() ? std::chrono::milliseconds(kSafetyPoll) : kFallbackPoll;
		if (now - last_inspect_ < period) {
			return std::nullopt;
		}
		last_inspect_ = now;
		DockerResponse response;
		try {
			response = client_.request("GET", "/containers/" + id_ + "/json", "", std::chrono::seconds(10));
		} catch (const std::exception &e) {
			// The daemon restarting is not the job ending: ask again later.
			spdlog::warn("executor: cannot inspect container {}: {}", id_.substr(0, 12), e.what());
			return std::nullopt;
		}
		if (response.status == 404) {
			return -1; // removed behind our back: its status is unknown
		}
		auto state = response.json().value("State", json::object());
		if (state.value("Running", false) || state.value("Status", "") == "created") {
			return std::nullopt;
		}
		int status = state.value("ExitCode", -1);
		collect();
		return status;
	}

	int terminate(std::chrono::milliseconds grace) override {
		auto seconds = std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(grace).count());
		try {
			// SIGTERM, then SIGKILL after t seconds: the daemon does both.
			client_.request("POST", "/containers/" + id_ + "/stop?t=" + std::to_string(seconds), "",
			                grace + std::chrono::seconds(30));
			auto inspected = client_.request("GET", "/containers/" + id_ + "/json", "", std::chrono::seconds(10));
			int status =
			    inspected.status == 200 ? inspected.json().value("State", json::object()).value("ExitCode", -1) : -1;
			collect();
			return status;
		} catch (const std::exception &e) {
			spdlog::warn("executor: cannot stop container {}: {}", id_.substr(0, 12), e.what());
			return -1;
		}
	}

private:
	//! The end of the container's output into the job's log, then removes it.
	void collect() {
		try {
			// The stream ends right after the container; what it wrote is then
			// checked against the whole output, as the daemon may end a
			// follow before the last lines (seen with 20.10 when a container
			// stops right after it printed), or the stream broke.
			size_t written = 0;
			if (follower_) {
				follower_->finish(std::chrono::seconds(5));
				written = follower_->written();
				follower_.reset();
			}
			if (!log_path_.empty()) {
				// The output since the same point as the follower's (or the
				// log's last write, for a container no server followed), less
				// what the follower wrote of it.
				auto logs =
				    client_.request("GET", DockerLogFollower::path(id_, since_, false), "", std::chrono::seconds(30));
				auto text = logs.status == 200 ? DockerClient::demultiplex(logs.body) : std::string();
				if (text.size() > written) {
					std::ofstream(log_path_, std::ios::app | std::ios::binary) << text.substr(written);
				}
			}
			client_.request("DELETE", "/containers/" + id_ + "?force=1", "", std::chrono::seconds(30));
			events_.forget(id_);
		} catch (const std::exception &e) {
			spdlog::warn("executor: cannot collect container {}: {}", id_.substr(0, 12), e.what());
		}
	}

	const DockerClient &client_;
	ContainerEvents &events_;
	std::string id_;
	pid_t pid_;
	std::string log_path_;
	std::string since_;
	std::unique_ptr<DockerLogFollower> follower_;
	std::chrono::steady_clock::time_point last_inspect_{};
};

pid_t pid_of(const DockerClient &client, const std::string &id) {
	auto inspected = client.checked("cannot inspect the job's container", "GET", "/containers/" + id + "/json");
	return inspected.json().value("State", json::object()).value("Pid", -1);
}

} // namespace

DockerRuntime::DockerRuntime(DockerConfig config) : config_(std::move(config)), client_(config_.host) {
	if (config_.image.empty()) {
		throw std::runtime_error("the Docker executor needs an image (--image; build it with scripts/image)");
	}
	// Fails now, with what to do, rather than at the first job.
	auto version = client_.checked("the Docker daemon", "GET", "/version", "", std::chrono::seconds(10));
	auto image = client_.request("GET", "/images/" + DockerClient::query_escape(config_.image) + "/json", "",
	                             std::chrono::seconds(10));
	if (image.status == 404) {
		throw std::runtime_error("the Docker daemon at " + config_.host + " has no image " + config_.image +
		                         ": build it with scripts/image (or name another with --image)");
	}
	user_ = ::geteuid() == 0 ? "kafkaml" : std::to_string(::geteuid()) + ":" + std::to_string(::getegid());
	std::filesystem::create_directories(config_.secrets_dir);
	::chmod(config_.secrets_dir.c_str(), 0700);
	if (::geteuid() == 0 && ::chown(config_.secrets_dir.c_str(), kImageUid, kImageUid) != 0) {
		throw std::runtime_error("cannot give " + config_.secrets_dir + " to the containers' user");
	}
	events_ = std::make_unique<ContainerEvents>(client_, config_.server);
	spdlog::info("executor: jobs run as containers of {} on Docker {} at {}", config_.image,
	             version.json().value("Version", "?"), config_.host);
}

DockerRuntime::~DockerRuntime() = default;

void DockerRuntime::set_wake(std::function<void()> wake) {
	events_->set_wake(std::move(wake));
}

std::string DockerRuntime::fingerprint(const supervisor::ProcessSpec &spec) {
	std::string text;
	for (const auto &arg : spec.argv) {
		text += arg + '\0';
	}
	for (const auto &entry : spec.extra_env) {
		text += entry + '\0';
	}
	text += std::to_string(spec.cpus) + '\0' + std::to_string(spec.memory_bytes);
	return keyed_digest(token_of(spec), text);
}

supervisor::ProcessSpec DockerRuntime::containerised(const supervisor::ProcessSpec &spec) const {
	uid_t uid = ::geteuid() == 0 ? kImageUid : ::geteuid();
	gid_t gid = ::geteuid() == 0 ? kImageUid : ::getegid();
	std::filesystem::path secrets = config_.secrets_dir;
	std::string mount = kSecretsMount;
	supervisor::ProcessSpec out;
	out.log_path = spec.log_path;
	out.cpus = spec.cpus;
	out.memory_bytes = spec.memory_bytes;
	// argv[0] is the server's own binary; the image's entry point is kafkaml.
	for (size_t i = 1; i < spec.argv.size(); ++i) {
		out.argv.push_back(spec.argv[i]);
		if (spec.argv[i] == "--kafka-config" && i + 1 < spec.argv.size()) {
			std::ifstream in(spec.argv[i + 1], std::ios::binary);
			std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
			write_secret(secrets / "kafka.properties", content, uid, gid);
			out.argv.push_back(mount + "/kafka.properties");
			++i;
		}
	}
	for (const auto &entry : spec.extra_env) {
		if (entry.rfind(kTokenVariable, 0) == 0) {
			write_secret(secrets / "token", token_of(spec), uid, gid);
			out.extra_env.push_back("KAFKAML_TOKEN_FILE=" + mount + "/token");
			continue;
		}
		out.extra_env.push_back(entry);
	}
	return out;
}

std::string DockerRuntime::create_body(const std::string &job_id, const supervisor::ProcessSpec &spec) const {
	auto inside = containerised(spec);
	auto dash = job_id.find('-');
	auto kind = job_id.substr(0, dash);
	auto rest = job_id.substr(dash + 1);
	auto second = rest.find('-');
	json labels = {
	    {"kafkaml.kind", kind == "train" ? "training" : "inference"},
	    {"kafkaml.owner", rest.substr(0, second)},
	    {"kafkaml.replica", second == std::string::npos ? "0" : rest.substr(second + 1)},
	    {"kafkaml.server", config_.server},
	    {"kafkaml.job", job_id},
	    {"kafkaml.spec", fingerprint(spec)},
	};
	json body = {
	    {"Image", config_.image},
	    {"Cmd", inside.argv},
	    {"Env", inside.extra_env},
	    {"User", user_},
	    {"Labels", labels},
	    {"HostConfig",
	     {
	         {"NetworkMode", "host"},
	         {"Binds", {config_.secrets_dir + ":" + kSecretsMount + ":ro"}},
	         {"Init", true},
	     }},
	};
	if (inside.cpus > 0) {
		body["HostConfig"]["NanoCpus"] = static_cast<int64_t>(inside.cpus * 1e9);
	}
	if (inside.memory_bytes > 0) {
		// Memory and swap alike: the job is killed (137) rather than swapped.
		body["HostConfig"]["Memory"] = inside.memory_bytes;
		body["HostConfig"]["MemorySwap"] = inside.memory_bytes;
	}
	return body.dump();
}

std::unique_ptr<supervisor::JobInstance> DockerRuntime::spawn(const std::string &job_id,
                                                              const supervisor::ProcessSpec &spec) {
	static thread_local std::mt19937_64 random{std::random_device{}()};
	char suffix[9];
	std::snprintf(suffix, sizeof(suffix), "%08x", static_cast<unsigned>(random()));
	auto name = "kafkaml-" + job_id + "-" + suffix;
	auto created =
	    client_.checked("cannot create the container of " + job_id, "POST",
	                    "/containers/create?name=" + DockerClient::query_escape(name), create_body(job_id, spec));
	auto id = created.json().value("Id", "");
	try {
		client_.checked("cannot start the container of " + job_id, "POST", "/containers/" + id + "/start");
	} catch (const std::exception &) {
		client_.request("DELETE", "/containers/" + id + "?force=1");
		throw;
	}
	return std::make_unique<ContainerInstance>(client_, *events_, id, pid_of(client_, id), spec.log_path, true);
}

std::unique_ptr<supervisor::JobInstance> DockerRuntime::find(const std::string &job_id, std::optional<pid_t>,
                                                             const supervisor::ProcessSpec &spec) {
	json filters = {{"label", {"kafkaml.server=" + config_.server, "kafkaml.job=" + job_id}}};
	auto listed = client_.checked("cannot list the containers of " + job_id, "GET",
	                              "/containers/json?all=1&filters=" + DockerClient::query_escape(filters.dump()));
	auto wanted = fingerprint(spec);
	std::unique_ptr<supervisor::JobInstance> found;
	for (const auto &container : listed.json()) {
		auto id = container.value("Id", "");
		bool running = container.value("State", "") == "running";
		bool same = container.value("Labels", json::object()).value("kafkaml.spec", "") == wanted;
		if (running && same && !found) {
			// Its output until now is in the log already (the earlier
			// server followed it): from the log's last write on.
			found = std::make_unique<ContainerInstance>(client_, *events_, id, pid_of(client_, id), spec.log_path, true,
			                                            DockerLogFollower::since_last_write(spec.log_path));
			continue;
		}
		// Ended while no server watched it, a duplicate, or started with
		// other settings: its output goes to the log, the container goes.
		if (running && !same) {
			spdlog::info("executor: container {} of {} was started with other settings than this server's; "
			             "replacing it",
			             id.substr(0, 12), job_id);
		}
		ContainerInstance(client_, *events_, id, -1, spec.log_path, false,
		                  DockerLogFollower::since_last_write(spec.log_path))
		    .terminate(std::chrono::seconds(10));
	}
	return found;
}

std::vector<std::string> DockerRuntime::containers() const {
	json filters = {{"label", {"kafkaml.server=" + config_.server}}};
	auto listed = client_.checked("cannot list the containers", "GET",
	                              "/containers/json?all=1&filters=" + DockerClient::query_escape(filters.dump()));
	std::vector<std::string> ids;
	for (const auto &container : listed.json()) {
		ids.push_back(container.value("Id", ""));
	}
	return ids;
}

} // namespace kafkaml::executors
