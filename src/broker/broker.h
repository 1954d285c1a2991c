#pragma once

#include "broker/broker_config.h"
#include "broker/storage/file.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace kafkaml::broker {

namespace storage {
class LogManager;
}
namespace group {
class GroupApi;
}
namespace server {
class RequestHandler;
class NetworkLoop;
} // namespace server

//! One bound listener: where it listens and what it advertises.
struct BoundListener {
	SecurityProtocol protocol = SecurityProtocol::Plaintext;
	std::string listen_address;     //!< "host:port" bound (the port chosen for ":0")
	std::string advertised_address; //!< "host:port" told to its clients
};

//! The embedded Kafka-compatible broker as a library object: `kafkaml broker`
//! runs one, `kafkaml up` and tests embed one in-process.
//!
//! Threading: `start()` and `stop()` on the owner's thread. All broker work
//! (network, storage, group coordinator) happens on one internal thread.
class Broker {
public:
	explicit Broker(BrokerConfig config);
	~Broker();
	Broker(const Broker &) = delete;
	Broker &operator=(const Broker &) = delete;

	//! Locks the data directory (one broker per directory: a second one
	//! would recover and rewrite files the first is appending to), opens it
	//! (recovering logs), binds the listener and starts serving. Returns the
	//! advertised "host:port". Throws std::runtime_error /
	//! std::system_error with the reason.
	std::string start();
	//! Answers pending requests, closes connections, syncs logs and joins the
	//! thread. Idempotent.
	void stop();
	//! Advertised "host:port": what Metadata and FindCoordinator tell clients.
	const std::string &address() const { return address_; }
	//! "host:port" the listener is bound to (the port chosen for ":0").
	const std::string &listen_address() const { return listen_address_; }
	//! Every listener in configuration order (the first is address()'s).
	const std::vector<BoundListener> &listeners() const { return bound_; }

private:
	BrokerConfig config_;
	std::string address_;
	std::string listen_address_;
	std::vector<BoundListener> bound_;
	//! flock()ed `.lock` in the data directory, held from start() to stop().
	storage::File data_dir_lock_;
	std::unique_ptr<storage::LogManager> logs_;
	std::unique_ptr<group::GroupApi> groups_;
	std::unique_ptr<server::RequestHandler> handler_;
	std::unique_ptr<server::NetworkLoop> loop_;
	std::thread thread_;
};

} // namespace kafkaml::broker
