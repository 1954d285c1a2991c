#pragma once

// The whole server in one object: store, admin token, local executor, REST
// API with the web UI, control logger. `kafkaml server` runs one against a
// Kafka cluster; `kafkaml up` runs one beside an embedded broker.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace kafkaml::api {
class ApiServer;
}
namespace kafkaml::control {
class ControlLogger;
class KafkaControlPublisher;
} // namespace kafkaml::control
namespace kafkaml::executors {
class LocalExecutor;
}
namespace kafkaml::store {
class Store;
}

namespace kafkaml::server {

class KafkaPredictionFeed;

struct ServerConfig {
	std::string listen = "127.0.0.1:8080"; //!< host:port; port 0 picks a free one
	std::string store_url;                 //!< sqlite:PATH or postgresql://...; default in data_dir
	std::string bootstrap_servers = "127.0.0.1:9092";
	std::string control_topic = "control";
	std::filesystem::path data_dir = "kafkaml-data";
	std::string web_root;       //!< built UI; empty: found next to the binary or in the source tree
	std::string kafkaml_binary; //!< what jobs run; empty: this executable
	std::string job_log_level = "info";
	int64_t max_replicas = 64; //!< most replicas one inference may have
	//! Quick failures in a row (each within 60 s of its start) after which a
	//! job's result or inference is marked failed; 0: restart forever.
	int crash_loop_limit = 5;
	//! Seconds a training job waits for the next record of its stream before
	//! it fails naming the missing records.
	int64_t records_timeout_s = 600;
	//! Make a new admin token (the old one stops working), e.g. when the
	//! token file was lost.
	bool reset_admin_token = false;
};

//! Thread: `start` and `stop` on the owner's thread; everything else runs on
//! the parts' own threads (see their READMEs).
class ServerApp {
public:
	explicit ServerApp(ServerConfig config);
	~ServerApp();

	//! Opens the store, makes the token on first start, starts the API, the
	//! control logger, and brings back the jobs that should be running.
	//! Throws std::runtime_error saying what failed.
	void start();
	//! Stops the API and the logger, then every job (their desired state is
	//! kept: the next start brings them back).
	void stop();

	std::string url() const;
	const std::string &token() const { return token_; }
	std::filesystem::path token_file() const { return config_.data_dir / "admin-token"; }
	store::Store &store() { return *store_; }

private:
	ServerConfig config_;
	std::string token_;
	std::unique_ptr<store::Store> store_;
	std::unique_ptr<executors::LocalExecutor> executor_;
	std::unique_ptr<control::KafkaControlPublisher> publisher_;
	std::unique_ptr<KafkaPredictionFeed> predictions_;
	std::unique_ptr<api::ApiServer> api_;
	std::unique_ptr<control::ControlLogger> logger_;
	std::string host_;
	bool started_ = false;
};

//! The built web UI next to the binary (`<bin>/../web/dist`, `<bin>/web`) or
//! in the source tree the binary was built from; empty when none is found.
std::string find_web_root();

} // namespace kafkaml::server
