#pragma once

// The whole server in one object: store, admin token, the orchestrator's
// lease and the executor while it holds it, REST API with the web UI,
// control logger. `kafkaml server` runs one against a
// Kafka cluster; `kafkaml up` runs one beside an embedded broker.

#include "server/lease_keeper.h"
#include "stream/kafka_clusters.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafkaml::api {
class ApiServer;
}
namespace kafkaml::control {
class ControlLogger;
class KafkaControlPublisher;
class KafkaRecordsAdmin;
} // namespace kafkaml::control
namespace kafkaml::executors {
class JobExecutor;
struct LocalExecutorConfig;
} // namespace kafkaml::executors
namespace kafkaml::store {
class Coordination;
class Store;
} // namespace kafkaml::store

namespace kafkaml::server {

class KafkaPredictionFeed;
class Orchestrator;

struct ServerConfig {
	std::string listen = "127.0.0.1:8080"; //!< host:port; port 0 picks a free one
	std::string store_url;                 //!< sqlite:PATH or postgresql://...; default in data_dir
	std::string bootstrap_servers = "127.0.0.1:9092";
	//! librdkafka properties of every Kafka client: the server's own and its
	//! jobs' (handed over in a file only this user reads, job_kafka_settings).
	std::map<std::string, std::string> kafka_properties;
	//! Named clusters (--kafka-cluster NAME=FILE) an inference may read its
	//! input from or write its predictions to, each with its own settings.
	std::vector<stream::KafkaCluster> kafka_clusters;
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
	//! Host names the API answers for (the Host header), besides the
	//! defaults of default_allowed_hosts(); "*" alone: any.
	std::vector<std::string> allowed_hosts;
	//! host:port serving GET /metrics without a token; empty: none.
	std::string metrics_listen;
	//! Where jobs run: "local" (child processes), "docker" (containers) or
	//! "kubernetes" (Jobs and Deployments).
	std::string executor = "local";
	std::string docker_host = "unix:///var/run/docker.sock";
	//! The jobs' image, for docker and kubernetes.
	std::string docker_image = std::string("kafkaml:") + KAFKAML_SERVER_VERSION;
	//! The REST API of every server sharing the store (--server-urls), the
	//! same list on each: the jobs report to the first that answers, so they
	//! outlive the server that started them. Empty: this server's own.
	std::vector<std::string> server_urls;
	//! The orchestrator's lease among servers sharing the store.
	LeaseTiming lease_timing;
	//! --executor kubernetes: a kubeconfig file; empty: the pod's service account.
	std::string kubeconfig;
	//! The jobs' namespace; empty: the kubeconfig's or the pod's, else "default".
	std::string kubernetes_namespace;
	//! The Secret the server writes the jobs' token and Kafka settings into.
	std::string kubernetes_secret = "kafkaml-jobs";
	//! The API's address as pods reach it (its Service); empty:
	//! http://kafkaml:<the --listen port>, the manifests' Service.
	std::string kubernetes_server_url;
};

//! Thrown by `ServerApp::start` when the executor chosen cannot run jobs
//! (--executor docker: no daemon, no image; --executor kubernetes: no
//! credentials, the API server refusing); the message says what to do.
struct ExecutorUnavailable : std::runtime_error {
	using std::runtime_error::runtime_error;
};

//! localhost, 127.0.0.1, [::1], the listen host and this machine's name.
std::vector<std::string> default_allowed_hosts(const std::string &listen_host);

//! Thread: `start` and `stop` on the owner's thread; everything else runs on
//! the parts' own threads (see their READMEs).
class ServerApp {
public:
	explicit ServerApp(ServerConfig config);
	~ServerApp();

	//! Opens the store, makes the token on first start, starts the API, the
	//! control logger, and, when it takes the orchestrator's lease (a server
	//! alone always does), brings back the jobs that should be running.
	//! Throws std::runtime_error saying what failed.
	void start();
	//! Stops the API and the logger, then every job (their desired state is
	//! kept: the next start brings them back).
	void stop();

	std::string url() const;
	const std::string &token() const { return token_; }
	std::filesystem::path token_file() const { return config_.data_dir / "admin-token"; }
	//! The metrics scrape token's file (0600): it reads GET /metrics only.
	std::filesystem::path metrics_token_file() const { return config_.data_dir / "metrics-token"; }
	//! Where --metrics-listen serves /metrics; empty when it is not set.
	std::string metrics_url() const;
	//! Where the jobs read their Kafka client settings (0600), when there are any.
	std::filesystem::path job_kafka_settings() const {
		return std::filesystem::absolute(config_.data_dir / "job-kafka.properties");
	}
	//! Where replicas read the settings of the named cluster `name` (0600).
	std::filesystem::path cluster_kafka_settings(const std::string &name) const {
		return std::filesystem::absolute(config_.data_dir / "kafka-clusters" / (name + ".properties"));
	}
	store::Store &store() { return *store_; }

private:
	//! This server's id in the orchestrator's lease.
	std::string lease_holder() const;
	//! The executor of a server that has just taken the lease. Throws
	//! ExecutorUnavailable when it cannot run jobs.
	std::unique_ptr<executors::JobExecutor> make_executor(const executors::LocalExecutorConfig &config, int port);
	//! Writes the jobs' settings file and names it in the executor's config.
	void hand_kafka_settings_to_jobs(executors::LocalExecutorConfig &executor_config);
	//! Writes one settings file per named cluster and names them in the
	//! executor's config.
	void hand_kafka_clusters_to_jobs(executors::LocalExecutorConfig &executor_config);
	//! --executor kubernetes: credentials, namespace, the pods' view of the server.
	std::unique_ptr<executors::JobExecutor> kubernetes_executor(executors::LocalExecutorConfig jobs, int port);

	ServerConfig config_;
	std::string token_;
	std::unique_ptr<store::Store> store_;
	std::unique_ptr<store::Coordination> coordination_;
	std::unique_ptr<LeaseKeeper> lease_;
	std::unique_ptr<Orchestrator> orchestrator_;
	std::unique_ptr<control::KafkaControlPublisher> publisher_;
	std::unique_ptr<control::KafkaRecordsAdmin> records_admin_;
	std::unique_ptr<KafkaPredictionFeed> predictions_;
	std::unique_ptr<api::ApiServer> api_;
	std::unique_ptr<control::ControlLogger> logger_;
	std::string host_;
	std::string metrics_host_;
	bool started_ = false;
};

//! The built web UI next to the binary (`<bin>/../web/dist`, `<bin>/web`) or
//! in the source tree the binary was built from; empty when none is found.
std::string find_web_root();

} // namespace kafkaml::server
