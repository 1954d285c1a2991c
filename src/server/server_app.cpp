#include "server/server_app.h"

#include "api/api_server.h"
#include "common/private_files.h"
#include "control/control_logger.h"
#include "control/kafka_control_publisher.h"
#include "control/kafka_records_admin.h"
#include "executors/docker_executor.h"
#include "executors/keyed_digest.h"
#include "executors/kubernetes_executor.h"
#include "executors/local_executor.h"
#include "server/kafka_prediction_feed.h"
#include "server/model_checks.h"
#include "server/model_export.h"
#include "server/orchestrator.h"
#include "store/store.h"
#include "stream/admin.h"
#include "stream/kafka_settings.h"
#include "stream/stream_error.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace kafkaml::server {
namespace {

std::string host_name() {
	char name[256] = {};
	::gethostname(name, sizeof(name) - 1);
	return name;
}

std::filesystem::path self_executable() {
	std::error_code error;
	auto path = std::filesystem::read_symlink("/proc/self/exe", error);
	return error ? std::filesystem::path("kafkaml") : path;
}

std::string join_urls(const std::vector<std::string> &urls) {
	std::string joined;
	for (const auto &url : urls) {
		joined += (joined.empty() ? "" : ",") + url;
	}
	return joined;
}

std::pair<std::string, int> split_host_port(const std::string &listen, const std::string &option = "--listen") {
	auto colon = listen.rfind(':');
	if (colon == std::string::npos) {
		throw std::runtime_error(option + " must be host:port, not '" + listen + "'");
	}
	try {
		return {listen.substr(0, colon), std::stoi(listen.substr(colon + 1))};
	} catch (const std::exception &) {
		throw std::runtime_error(option + " must be host:port with a numeric port, not '" + listen + "'");
	}
}

} // namespace

std::string find_web_root() {
	auto bin_dir = self_executable().parent_path();
	for (const auto &candidate : {bin_dir / ".." / "web" / "dist", bin_dir / "web",
	                              std::filesystem::path(KAFKAML_SOURCE_DIR) / "web" / "dist"}) {
		std::error_code error;
		if (std::filesystem::exists(candidate / "index.html", error)) {
			return std::filesystem::weakly_canonical(candidate).string();
		}
	}
	return {};
}

ServerApp::ServerApp(ServerConfig config) : config_(std::move(config)) {}

ServerApp::~ServerApp() {
	stop();
}

std::vector<std::string> default_allowed_hosts(const std::string &listen_host) {
	std::vector<std::string> hosts = {"localhost", "127.0.0.1", "[::1]"};
	if (!listen_host.empty() && listen_host != "0.0.0.0" && listen_host != "::" && listen_host != "[::]") {
		hosts.push_back(listen_host.find(':') != std::string::npos && !listen_host.starts_with('[')
		                    ? "[" + listen_host + "]"
		                    : listen_host);
	}
	char name[256] = {};
	if (::gethostname(name, sizeof(name) - 1) == 0 && name[0] != 0) {
		hosts.emplace_back(name);
	}
	return hosts;
}

std::string ServerApp::metrics_url() const {
	if (!api_ || api_->metrics_port() == 0) {
		return {};
	}
	auto host = metrics_host_ == "0.0.0.0" || metrics_host_.empty() ? std::string("127.0.0.1") : metrics_host_;
	return "http://" + host + ":" + std::to_string(api_->metrics_port()) + "/metrics";
}

std::string ServerApp::url() const {
	auto host = host_ == "0.0.0.0" || host_.empty() ? std::string("127.0.0.1") : host_;
	return "http://" + host + ":" + std::to_string(api_ ? api_->port() : 0);
}

void ServerApp::start() {
	make_private_directory(config_.data_dir);
	if (config_.store_url.empty()) {
		config_.store_url = "sqlite:" + (config_.data_dir / "kafkaml.db").string();
	}
	store_ = store::open_store(config_.store_url);
	auto old_hash = store_->get_setting("admin_token_sha256");
	token_ = api::ensure_admin_token(*store_, token_file(), config_.reset_admin_token);
	if (old_hash && *old_hash != api::token_hash(token_)) {
		// --reset-admin-token: the old admin token stops working.
		if (auto old = store_->find_token_by_hash(*old_hash)) {
			store_->revoke_token(old->id);
		}
	}
	// Derived from the admin token: the same on every start, so jobs that
	// outlive a restart of the server keep reporting (and are adopted).
	auto jobs_token = api::derived_token(token_, "kafkaml jobs token");
	auto metrics_token = api::derived_token(token_, "kafkaml metrics scrape token");
	api::write_token_file(metrics_token_file(), metrics_token);
	api::ensure_server_users(*store_, token_, jobs_token);

	stream::KafkaConfig kafka{config_.bootstrap_servers, config_.kafka_properties};
	// Credentials the cluster refuses would otherwise only show as
	// librdkafka's log lines, repeated by every client of the server and its
	// jobs while the API answers as if all were well.
	stream::check_credentials(kafka, std::chrono::seconds(10));
	stream::KafkaClusters clusters(kafka, config_.kafka_clusters);
	auto executor_config = std::make_shared<executors::LocalExecutorConfig>();
	hand_kafka_settings_to_jobs(*executor_config);
	hand_kafka_clusters_to_jobs(*executor_config);
	executor_config->kafkaml_binary =
	    config_.kafkaml_binary.empty() ? self_executable().string() : config_.kafkaml_binary;
	executor_config->token = jobs_token;
	executor_config->bootstrap_servers = config_.bootstrap_servers;
	executor_config->control_topic = config_.control_topic;
	executor_config->log_dir = (config_.data_dir / "jobs").string();
	executor_config->extra_args = {"--log-level", config_.job_log_level};
	executor_config->restart_policy.crash_loop_limit = config_.crash_loop_limit;
	executor_config->training_args = {"--records-timeout", std::to_string(config_.records_timeout_s)};
	auto [host, port] = split_host_port(config_.listen);
	host_ = host;
	// Says now, before the API listens, when the executor cannot run jobs;
	// the orchestrator makes its own whenever this server takes the lease.
	make_executor(*executor_config, port);
	publisher_ = std::make_unique<control::KafkaControlPublisher>(kafka, config_.control_topic);
	records_admin_ = std::make_unique<control::KafkaRecordsAdmin>(kafka);
	predictions_ = std::make_unique<KafkaPredictionFeed>(clusters);

	api::ApiOptions options;
	options.store = store_.get();
	// The executor exists only while this server orchestrates: the API
	// calls the orchestrator, which hands the calls to it or records them
	// for the server that does.
	coordination_ = std::make_unique<store::Coordination>(config_.store_url);
	lease_ = std::make_unique<LeaseKeeper>(*coordination_, "orchestrator", lease_holder(), "", config_.lease_timing);
	orchestrator_ =
	    std::make_unique<Orchestrator>(*store_, *coordination_, *lease_, [this, executor_config, listen_port = port] {
		    return make_executor(*executor_config, listen_port);
	    });
	options.executor = orchestrator_.get();
	options.orchestrator_status = [this] {
		auto view = lease_->view();
		return api::OrchestratorStatus{orchestrator_->orchestrates(), view.leader_url, view.term};
	};
	options.publisher = publisher_.get();
	options.records_admin = records_admin_.get();
	options.predictions = predictions_.get();
	options.validate_model = model_validator();
	options.validate_compile = compile_validator();
	options.validate_module = module_validator();
	options.weights_needed = weights_requirement();
	options.validate_input = input_validator();
	options.export_pytorch = pytorch_exporter();
	options.max_replicas = config_.max_replicas;
	for (const auto &cluster : clusters.all()) {
		options.kafka_clusters.push_back({cluster.name, cluster.config.bootstrap_servers,
		                                  stream::security_protocol_of(cluster.config),
		                                  stream::sasl_mechanism_of(cluster.config)});
	}
	// The input topic lives on the inference's input cluster: counted and
	// created there (an unknown broker was refused before these are called).
	options.partition_count = [clusters](const std::string &broker,
	                                     const std::string &topic) -> std::optional<int32_t> {
		auto cluster = clusters.resolve(broker);
		if (!cluster) {
			return std::nullopt;
		}
		try {
			auto partitions = stream::list_partitions(*cluster, topic, std::chrono::seconds(3));
			if (partitions.empty()) {
				return std::nullopt; // not created yet: its partitions are the cluster's default
			}
			return static_cast<int32_t>(partitions.size());
		} catch (const stream::StreamError &e) {
			spdlog::warn("server: cannot count the partitions of {}: {}", topic, e.what());
			return std::nullopt;
		}
	};
	options.create_input_topic = [clusters](const std::string &broker, const std::string &topic, int32_t partitions) {
		auto cluster = clusters.resolve(broker);
		if (!cluster) {
			return false;
		}
		try {
			if (!stream::list_partitions(*cluster, topic, std::chrono::seconds(3)).empty()) {
				return false;
			}
			// -1: the cluster's default replication factor (a real cluster's, or
			// the embedded broker's one copy).
			return stream::create_topic(*cluster, topic, partitions, -1, std::chrono::seconds(5));
		} catch (const stream::StreamError &e) {
			spdlog::warn("server: cannot create the input topic {}: {}; it is left to auto-creation", topic, e.what());
			return false;
		}
	};
	options.admin_token = token_;
	options.jobs_token = jobs_token;
	options.metrics_token = metrics_token;
	if (!(config_.allowed_hosts.size() == 1 && config_.allowed_hosts[0] == "*")) {
		options.allowed_hosts = default_allowed_hosts(host);
		options.allowed_hosts.insert(options.allowed_hosts.end(), config_.allowed_hosts.begin(),
		                             config_.allowed_hosts.end());
	}
	options.web_root = config_.web_root.empty() ? find_web_root() : config_.web_root;
	api_ = std::make_unique<api::ApiServer>(options);
	api_->start(host, port);
	if (!config_.metrics_listen.empty()) {
		auto [metrics_host, metrics_port] = split_host_port(config_.metrics_listen, "--metrics-listen");
		api_->start_metrics(metrics_host, metrics_port);
		metrics_host_ = metrics_host;
	}
	// Jobs report to every server of the store that --server-urls names,
	// the first that answers (the same list on each server, so a job one
	// started matches the spec of another and is adopted); by default this
	// server alone, once its port is known.
	executor_config->server_url = config_.server_urls.empty() ? url() : join_urls(config_.server_urls);
	lease_->set_address(url());
	logger_ = std::make_unique<control::ControlLogger>(kafka, config_.control_topic, "kafkaml-control-logger", *store_);
	logger_->start();
	// The first attempt here: a server alone (or restarted with its data
	// directory) has its jobs back before start() returns.
	if (lease_->try_acquire()) {
		auto recovered = orchestrator_->lead_now();
		if (recovered > 0) {
			spdlog::info("server: {} job(s) brought back", recovered);
		}
	}
	lease_->start();
	orchestrator_->start();
	started_ = true;
}

// Pods reach the server through its Service, not the address it listens
// on; the manifests' Service is "kafkaml" on the same port.
std::unique_ptr<executors::JobExecutor> ServerApp::kubernetes_executor(executors::LocalExecutorConfig jobs, int port) {
	executors::KubernetesConfig kubernetes;
	kubernetes.credentials = config_.kubeconfig.empty() ? executors::in_cluster_credentials()
	                                                    : executors::kubeconfig_credentials(config_.kubeconfig);
	kubernetes.namespace_name = config_.kubernetes_namespace;
	kubernetes.image = config_.docker_image;
	kubernetes.secret = config_.kubernetes_secret;
	// Set by the manifests (the downward API cannot give a Deployment's
	// name): the jobs' objects are owned by the server's Deployment.
	if (const char *owner = std::getenv("KAFKAML_SERVER_DEPLOYMENT")) {
		kubernetes.owner_deployment = owner;
	}
	jobs.server_url = config_.kubernetes_server_url.empty() ? "http://kafkaml:" + std::to_string(port)
	                                                        : config_.kubernetes_server_url;
	return std::make_unique<executors::KubernetesExecutor>(*store_, std::move(jobs), std::move(kubernetes));
}

// Jobs get the settings through a file only this user reads, never on their
// command line or in their environment, which other users may list. The
// file's path stays the same across restarts; the spec carries a keyed
// fingerprint of its content (in the environment, with the token), so that
// a job an earlier server started with other settings no longer matches
// its spec and is replaced, not adopted with stale settings.
void ServerApp::hand_kafka_settings_to_jobs(executors::LocalExecutorConfig &executor_config) {
	auto file = job_kafka_settings();
	if (config_.kafka_properties.empty()) {
		std::error_code ignored;
		std::filesystem::remove(file, ignored);
		return;
	}
	spdlog::info("server: Kafka client settings: {}", stream::describe_properties(config_.kafka_properties));
	stream::write_properties_file(file, config_.kafka_properties);
	executor_config.kafka_config_file = file.string();
	executor_config.kafka_config_digest =
	    executors::keyed_digest(token_, stream::format_properties(config_.kafka_properties));
}

// One file per named cluster, written afresh at each start (a file of a
// cluster no longer configured is removed), with bootstrap.servers left out:
// replicas get it as --input-bootstrap-servers / --output-bootstrap-servers.
// Each file's fingerprint goes in the replicas' environment, as the default
// cluster's does, so that a replica started with another cluster's
// settings is replaced rather than adopted.
void ServerApp::hand_kafka_clusters_to_jobs(executors::LocalExecutorConfig &executor_config) {
	auto dir = std::filesystem::absolute(config_.data_dir / "kafka-clusters");
	std::error_code ignored;
	if (std::filesystem::is_directory(dir, ignored)) {
		for (const auto &entry : std::filesystem::directory_iterator(dir, ignored)) {
			auto name = entry.path().stem().string();
			bool configured = std::any_of(config_.kafka_clusters.begin(), config_.kafka_clusters.end(),
			                              [&name](const stream::KafkaCluster &c) { return c.name == name; });
			if (!configured || entry.path().extension() != ".properties") {
				std::filesystem::remove(entry.path(), ignored);
			}
		}
	}
	if (config_.kafka_clusters.empty()) {
		return;
	}
	make_private_directory(dir);
	for (const auto &cluster : config_.kafka_clusters) {
		spdlog::info("server: Kafka cluster {} at {}{}{}", cluster.name, cluster.config.bootstrap_servers,
		             cluster.config.properties.empty() ? "" : ": ",
		             stream::describe_properties(cluster.config.properties));
		auto file = cluster_kafka_settings(cluster.name);
		stream::write_properties_file(file, cluster.config.properties);
		executor_config.kafka_clusters[cluster.name] = {
		    cluster.config.bootstrap_servers, file.string(),
		    executors::keyed_digest(token_, stream::format_properties(cluster.config.properties))};
	}
}

void ServerApp::stop() {
	if (!started_) {
		return;
	}
	started_ = false;
	if (api_) {
		api_->stop();
	}
	if (logger_) {
		logger_->stop();
	}
	if (orchestrator_) {
		orchestrator_->stop(true);
	}
	if (lease_) {
		lease_->stop();
	}
}

// Host and data directory: the same on every start of this server, so that
// one restarted (after a crash, say) takes its own lease back at once
// instead of waiting for it to expire; different for two servers on one
// machine, which cannot share a data directory.
std::string ServerApp::lease_holder() const {
	return host_name() + ":" + std::filesystem::absolute(config_.data_dir).lexically_normal().string();
}

// Whichever executor the server was started with; the orchestrator calls
// it each time this server takes the lease (see "Running several servers"
// in README.md for what each adopts).
std::unique_ptr<executors::JobExecutor> ServerApp::make_executor(const executors::LocalExecutorConfig &config,
                                                                 int port) {
	if (config_.executor == "kubernetes") {
		try {
			return kubernetes_executor(config, port);
		} catch (const std::runtime_error &e) {
			throw ExecutorUnavailable(std::string("--executor kubernetes: ") + e.what());
		}
	}
	if (config_.executor != "docker") {
		return std::make_unique<executors::LocalExecutor>(*store_, config);
	}
	executors::DockerConfig docker;
	docker.host = config_.docker_host;
	docker.image = config_.docker_image;
	// A restarted server adopts the containers of its own data directory.
	docker.server = host_name() + ":" + std::filesystem::absolute(config_.data_dir).string();
	docker.secrets_dir = (std::filesystem::absolute(config_.data_dir) / "job-secrets").string();
	try {
		return std::make_unique<executors::DockerExecutor>(*store_, config, docker);
	} catch (const std::runtime_error &e) {
		throw ExecutorUnavailable(std::string("--executor docker: ") + e.what());
	}
}

} // namespace kafkaml::server
