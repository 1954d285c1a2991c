#pragma once

// CPU, memory and GPU limits of the containers of a deployment's training
// jobs or an inference's replicas (the `resources` field of both). The Docker
// executor applies CPU and memory, the Kubernetes executor all three; local
// processes run without limits. Stored as JSON text ({"cpu": 1.5, "memory":
// 536870912, "gpu": 1}); the API shows memory as it is written ("512Mi").

#include <nlohmann/json.hpp>

#include <cstdint>

namespace kafkaml::store {

struct Resources {
	double cpu = 0;     //!< CPUs (1.5: one and a half); 0: no limit
	int64_t memory = 0; //!< bytes; 0: no limit
	//! GPUs (nvidia.com/gpu) of each container; only the Kubernetes executor
	//! gives them (a cluster's device plugin does). 0: none.
	int64_t gpu = 0;
	bool operator==(const Resources &) const = default;
};

//! From the API's {"cpu": 1.5, "memory": "512Mi", "gpu": 1} (any may be absent;
//! null: none). Memory: an integer of bytes, or a number with a suffix Ki,
//! Mi, Gi (powers of 1024) or K, M, G (of 1000). Throws
//! std::invalid_argument saying what is wrong with it.
Resources resources_from_api(const nlohmann::json &value);
//! For the API: {} when there are no limits, else what was set, memory as
//! "<n>Mi" or "<n>Gi" when it divides evenly.
nlohmann::json resources_to_api(const Resources &resources);
//! The stored column and back.
std::string resources_to_text(const Resources &resources);
Resources resources_from_text(const std::string &text);

} // namespace kafkaml::store
