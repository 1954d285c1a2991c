#pragma once

// Runs supervised jobs as Docker containers (see README.md, "The Docker
// executor"): the supervisor's policy is the same as for processes; this
// only says how an instance starts, is watched, stopped and found again.

#include "executors/docker_client.h"
#include "executors/docker_events.h"
#include "supervisor/runtime.h"

#include <string>

namespace kafkaml::executors {

struct DockerConfig {
	std::string host = "unix:///var/run/docker.sock"; //!< the daemon's Unix socket
	std::string image;                                //!< e.g. kafkaml:0.1.0 (scripts/image)
	//! Names this server in the label kafkaml.server: a restarted server
	//! adopts only its own containers.
	std::string server;
	//! Where the jobs' secrets (the admin token, the Kafka client settings)
	//! are written for the containers, bind-mounted read-only: a directory
	//! of the server's (0700), never the command line or the environment.
	std::string secrets_dir;
};

//! Thread: spawn/find on the caller's thread, instances on the
//! supervisor's; every call is one or a few requests to the daemon.
class DockerRuntime final : public supervisor::Runtime {
public:
	explicit DockerRuntime(DockerConfig config);
	~DockerRuntime() override;
	std::unique_ptr<supervisor::JobInstance> spawn(const std::string &job_id,
	                                               const supervisor::ProcessSpec &spec) override;
	std::unique_ptr<supervisor::JobInstance> find(const std::string &job_id, std::optional<pid_t> pid,
	                                              const supervisor::ProcessSpec &spec) override;
	//! A die event of one of this server's containers calls `wake`.
	void set_wake(std::function<void()> wake) override;

	//! Containers of this server (label kafkaml.server), running or not. For tests.
	std::vector<std::string> containers() const;

	//! Where the container sees the secrets directory.
	static constexpr const char *kSecretsMount = "/run/kafkaml-secrets";

private:
	//! The create request's body for `spec`: the job's arguments (argv[0],
	//! the server's own binary path, is the image's entry point), its
	//! environment with the token replaced by a file, labels, host network.
	std::string create_body(const std::string &job_id, const supervisor::ProcessSpec &spec) const;
	//! Writes the token and the Kafka settings file into secrets_dir, owned
	//! by the container's user. Returns the spec as the container sees it.
	supervisor::ProcessSpec containerised(const supervisor::ProcessSpec &spec) const;
	//! A keyed fingerprint of everything the spec says (the token
	//! included), in the label kafkaml.spec: a container started with other
	//! settings is replaced, not adopted.
	static std::string fingerprint(const supervisor::ProcessSpec &spec);

	DockerConfig config_;
	DockerClient client_;
	std::string user_; //!< the containers' user ("kafkaml" or the server's uid:gid)
	//! The die events of this server's containers; outlives every instance
	//! (the supervisor drops its jobs before its runtime).
	std::unique_ptr<ContainerEvents> events_;
};

} // namespace kafkaml::executors
