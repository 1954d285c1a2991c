#include "broker/broker.h"

#include "broker/group/group_api.h"
#include "broker/server/network_loop.h"
#include "broker/server/request_handler.h"
#include "broker/storage/log_manager.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include <sys/file.h>
#include <sys/resource.h>

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

namespace {

//! Takes an exclusive, non-blocking flock() on DIR/.lock (created with DIR
//! if needed). The kernel drops it when the process dies, so a broker killed
//! with -9 never leaves a stale lock behind.
storage::File lock_data_dir(const std::filesystem::path &dir) {
	std::filesystem::create_directories(dir);
	auto lock = storage::File::open_rw(dir / ".lock");
	if (::flock(lock.fd(), LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			throw std::runtime_error("another broker is using the data directory " + dir.string() + " (it holds " +
			                         (dir / ".lock").string() +
			                         "); stop that broker or give this one another --data-dir");
		}
		throw std::system_error(errno, std::generic_category(), "cannot lock " + (dir / ".lock").string());
	}
	return lock;
}

//! Each segment holds three descriptors open (log, offset index, time
//! index), so a broker with many partitions needs more than the usual soft
//! limit of 1024: raise it to the hard limit, as Kafka's docs ask of its hosts.
void raise_open_file_limit() {
	rlimit limit{};
	if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) {
		return;
	}
	rlim_t before = limit.rlim_cur;
	limit.rlim_cur = limit.rlim_max;
	if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
		spdlog::debug("open file limit raised from {} to {}", before, limit.rlim_cur);
	}
}

//! "host:port" of --listen / --advertised-listener as a PLAINTEXT listener.
ListenerConfig parse_listen(const std::string &text) {
	auto colon = text.rfind(':');
	if (colon == std::string::npos) {
		throw std::runtime_error("listen address '" + text + "' must be host:port, e.g. 127.0.0.1:9092");
	}
	try {
		return parse_listeners("PLAINTEXT://" + text, "listen address").front();
	} catch (const std::invalid_argument &e) {
		throw std::runtime_error(e.what());
	}
}

} // namespace

Broker::Broker(BrokerConfig config) : config_(std::move(config)) {}

Broker::~Broker() {
	stop();
}

std::string Broker::start() {
	if (config_.data_dir.empty()) {
		throw std::runtime_error("the broker needs a data directory (--data-dir)");
	}
	raise_open_file_limit();
	data_dir_lock_ = lock_data_dir(config_.data_dir);
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
	if (config_.listeners.empty()) {
		config_.listeners.push_back(parse_listen(config_.listen));
		if (!config_.advertised_listener.empty() && config_.advertised_listeners.empty()) {
			auto advertised = parse_listen(config_.advertised_listener);
			if (advertised.port == 0) {
				throw std::runtime_error("--advertised-listener must be host:port with a port (got '" +
				                         config_.advertised_listener + "')");
			}
			config_.advertised_listeners.push_back(advertised);
		}
	}
	for (const auto &l : config_.listeners) {
		if (uses_sasl(l.protocol) && config_.sasl_mechanisms.empty()) {
			throw std::runtime_error("a SASL listener needs at least one mechanism (--sasl-enabled-mechanisms)");
		}
	}
	handler_ = std::make_unique<server::RequestHandler>(config_, *logs_, groups_.get());
	loop_ = std::make_unique<server::NetworkLoop>(config_, *handler_, *logs_, groups_.get());
	bound_.clear();
	for (size_t i = 0; i < config_.listeners.size(); i++) {
		const auto &l = config_.listeners[i];
		int32_t port = loop_->bind(l);
		std::string host = l.host;
		if (host.empty() || host == "0.0.0.0" || host == "::") {
			host = "127.0.0.1";
		}
		BoundListener bound;
		bound.protocol = l.protocol;
		bound.listen_address = ListenerConfig{l.protocol, host, port}.address();
		for (const auto &a : config_.advertised_listeners) {
			if (a.protocol == l.protocol) {
				host = a.host;
				port = a.port;
			}
		}
		bound.advertised_address = ListenerConfig{l.protocol, host, port}.address();
		handler_->set_advertised(i, host, port);
		if (i == 0) {
			groups_->set_coordinator_address(config_.node_id, host, port);
		}
		bound_.push_back(bound);
	}
	listen_address_ = bound_.front().listen_address;
	address_ = bound_.front().advertised_address;
	thread_ = std::thread([this] {
		try {
			loop_->run();
		} catch (const std::exception &e) {
			spdlog::critical("broker network loop stopped: {}", e.what());
		}
	});
	for (const auto &b : bound_) {
		if (b.advertised_address == b.listen_address) {
			spdlog::info("broker listening on {}://{} (data in {})", protocol_name(b.protocol), b.listen_address,
			             config_.data_dir.string());
		} else {
			spdlog::info("broker listening on {}://{}, advertised as {} (data in {})", protocol_name(b.protocol),
			             b.listen_address, b.advertised_address, config_.data_dir.string());
		}
	}
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
	data_dir_lock_.close();
	spdlog::info("broker stopped");
}

} // namespace kafkaml::broker
