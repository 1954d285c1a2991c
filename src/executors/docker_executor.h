#pragma once

#include "executors/docker_runtime.h"
#include "executors/local_executor.h"

#include <algorithm>

namespace kafkaml::executors {

//! Runs each job as a Docker container of `docker.image` (scripts/image)
//! with the local executor's command lines, records and policy: the
//! supervisor restarts, backs off and gives up exactly as for processes;
//! only the runtime differs (DockerRuntime). See README.md.
class DockerExecutor final : public LocalExecutor {
public:
	//! Throws std::runtime_error saying what to do when the daemon cannot be
	//! reached or has no such image.
	DockerExecutor(store::Store &store, LocalExecutorConfig config, DockerConfig docker)
	    : LocalExecutor(store, docker_polls(std::move(config)), std::make_unique<DockerRuntime>(std::move(docker))) {}

private:
	//! A container's end comes as an event that wakes the monitor; a poll
	//! asks the daemon only every few seconds (DockerRuntime). The monitor's
	//! tick still times the restarts after back-off: 100 ms is plenty.
	static LocalExecutorConfig docker_polls(LocalExecutorConfig config) {
		config.restart_policy.poll_interval =
		    std::max(config.restart_policy.poll_interval, std::chrono::milliseconds(100));
		return config;
	}
};

} // namespace kafkaml::executors
