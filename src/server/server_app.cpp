#include "server/server_app.h"

#include "api/api_server.h"
#include "common/private_files.h"
#include "control/control_logger.h"
#include "control/kafka_control_publisher.h"
#include "executors/local_executor.h"
#include "server/kafka_prediction_feed.h"
#include "server/model_checks.h"
#include "server/model_export.h"
#include "store/store.h"
#include "stream/admin.h"
#include "stream/stream_error.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace kafkaml::server {
namespace {

std::filesystem::path self_executable() {
	std::error_code error;
	auto path = std::filesystem::read_symlink("/proc/self/exe", error);
	return error ? std::filesystem::path("kafkaml") : path;
}

std::pair<std::string, int> split_host_port(const std::string &listen) {
	auto colon = listen.rfind(':');
	if (colon == std::string::npos) {
		throw std::runtime_error("--listen must be host:port, not '" + listen + "'");
	}
	try {
		return {listen.substr(0, colon), std::stoi(listen.substr(colon + 1))};
	} catch (const std::exception &) {
		throw std::runtime_error("--listen must be host:port with a numeric port, not '" + listen + "'");
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
	token_ = api::ensure_admin_token(*store_, token_file(), config_.reset_admin_token);

	stream::KafkaConfig kafka{config_.bootstrap_servers, {}};
	executors::LocalExecutorConfig executor_config;
	executor_config.kafkaml_binary =
	    config_.kafkaml_binary.empty() ? self_executable().string() : config_.kafkaml_binary;
	executor_config.token = token_;
	executor_config.bootstrap_servers = config_.bootstrap_servers;
	executor_config.control_topic = config_.control_topic;
	executor_config.log_dir = (config_.data_dir / "jobs").string();
	executor_config.extra_args = {"--log-level", config_.job_log_level};
	executor_config.restart_policy.crash_loop_limit = config_.crash_loop_limit;
	executor_config.training_args = {"--records-timeout", std::to_string(config_.records_timeout_s)};
	auto [host, port] = split_host_port(config_.listen);
	host_ = host;
	// Jobs call back on loopback when the API listens on every interface.
	executor_config.server_url =
	    "http://" + (host == "0.0.0.0" ? std::string("127.0.0.1") : host) + ":" + std::to_string(port);
	executor_ = std::make_unique<executors::LocalExecutor>(*store_, executor_config);
	publisher_ = std::make_unique<control::KafkaControlPublisher>(kafka, config_.control_topic);
	predictions_ = std::make_unique<KafkaPredictionFeed>(kafka);

	api::ApiOptions options;
	options.store = store_.get();
	options.executor = executor_.get();
	options.publisher = publisher_.get();
	options.predictions = predictions_.get();
	options.validate_model = model_validator();
	options.validate_compile = compile_validator();
	options.validate_module = module_validator();
	options.weights_needed = weights_requirement();
	options.validate_input = input_validator();
	options.export_pytorch = pytorch_exporter();
	options.max_replicas = config_.max_replicas;
	options.partition_count = [kafka](const std::string &topic) -> std::optional<int32_t> {
		try {
			auto partitions = stream::list_partitions(kafka, topic, std::chrono::seconds(3));
			if (partitions.empty()) {
				return std::nullopt; // not created yet: its partitions are the cluster's default
			}
			return static_cast<int32_t>(partitions.size());
		} catch (const stream::StreamError &e) {
			spdlog::warn("server: cannot count the partitions of {}: {}", topic, e.what());
			return std::nullopt;
		}
	};
	options.create_input_topic = [kafka](const std::string &topic, int32_t partitions) {
		try {
			if (!stream::list_partitions(kafka, topic, std::chrono::seconds(3)).empty()) {
				return false;
			}
			// -1: the cluster's default replication factor (a real cluster's, or
			// the embedded broker's one copy).
			return stream::create_topic(kafka, topic, partitions, -1, std::chrono::seconds(5));
		} catch (const stream::StreamError &e) {
			spdlog::warn("server: cannot create the input topic {}: {}; it is left to auto-creation", topic, e.what());
			return false;
		}
	};
	options.admin_token = token_;
	options.web_root = config_.web_root.empty() ? find_web_root() : config_.web_root;
	api_ = std::make_unique<api::ApiServer>(options);
	api_->start(host, port);
	if (port == 0) {
		executor_->set_server_url(url());
	}
	logger_ = std::make_unique<control::ControlLogger>(kafka, config_.control_topic, "kafkaml-control-logger", *store_);
	logger_->start();
	auto recovered = executor_->recover();
	if (recovered > 0) {
		spdlog::info("server: {} job(s) brought back", recovered);
	}
	started_ = true;
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
	if (executor_) {
		executor_->stop_all();
	}
}

} // namespace kafkaml::server
