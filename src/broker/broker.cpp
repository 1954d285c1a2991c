#include "broker/broker.h"

#include "broker/group/group_api.h"
#include "broker/server/network_loop.h"
#include "broker/server/request_handler.h"
#include "broker/storage/log_manager.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace kafkaml::broker {

FsyncPolicy parse_fsync_policy(const std::string &text) {
	if (text == "always") {
		return FsyncPolicy::Always;
	}
	if (text == "interval") {
		return FsyncPolicy::Interval;
	}
	if (text == "never") {
		return FsyncPolicy::Never;
	}
	throw std::invalid_argument("--fsync must be always, interval or never (got '" + text + "')");
}

Broker::Broker(BrokerConfig config) : config_(std::move(config)) {}

Broker::~Broker() {
	stop();
}

std::string Broker::start() {
	if (config_.data_dir.empty()) {
		throw std::runtime_error("the broker needs a data directory (--data-dir)");
	}
	logs_ = std::make_unique<storage::LogManager>(config_.data_dir, config_.log);
	group::GroupApiConfig group_config;
	group_config.data_dir = config_.data_dir;
	group_config.node_id = config_.node_id;
	group_config.fsync = config_.fsync == FsyncPolicy::Always;
	group_config.offsets_retention = config_.offsets_retention;
	if (config_.fsync == FsyncPolicy::Never) {
		group_config.fsync_interval = std::chrono::milliseconds(0);
	}
	groups_ = std::make_unique<group::GroupApi>(group_config);
	handler_ = std::make_unique<server::RequestHandler>(config_, *logs_, groups_.get());
	loop_ = std::make_unique<server::NetworkLoop>(config_, *handler_, *logs_, groups_.get());
	int32_t port = loop_->bind(config_.listen);

	std::string host = config_.listen.substr(0, config_.listen.rfind(':'));
	if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") {
		host = "127.0.0.1";
	}
	if (!config_.advertised_listener.empty()) {
		auto colon = config_.advertised_listener.rfind(':');
		if (colon == std::string::npos) {
			throw std::runtime_error("--advertised-listener must be host:port (got '" + config_.advertised_listener +
			                         "')");
		}
		host = config_.advertised_listener.substr(0, colon);
		port = std::stoi(config_.advertised_listener.substr(colon + 1));
	}
	handler_->set_advertised(host, port);
	groups_->set_coordinator_address(config_.node_id, host, port);
	address_ = host + ":" + std::to_string(port);
	thread_ = std::thread([this] {
		try {
			loop_->run();
		} catch (const std::exception &e) {
			spdlog::critical("broker network loop stopped: {}", e.what());
		}
	});
	spdlog::info("broker listening on {} (data in {})", address_, config_.data_dir.string());
	return address_;
}

void Broker::stop() {
	if (!thread_.joinable()) {
		return;
	}
	loop_->request_stop();
	thread_.join();
	loop_.reset();
	handler_.reset();
	groups_.reset();
	logs_.reset();
	spdlog::info("broker stopped");
}

} // namespace kafkaml::broker
