#pragma once

#include "broker/storage/partition_log.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kafkaml::broker {

//! Kafka's security.protocol of a listener.
enum class SecurityProtocol {
	Plaintext,
	Ssl,
	SaslPlaintext,
	SaslSsl,
};

//! "PLAINTEXT", "SSL", "SASL_PLAINTEXT" or "SASL_SSL".
const char *protocol_name(SecurityProtocol protocol);
inline bool uses_tls(SecurityProtocol p) {
	return p == SecurityProtocol::Ssl || p == SecurityProtocol::SaslSsl;
}
inline bool uses_sasl(SecurityProtocol p) {
	return p == SecurityProtocol::SaslPlaintext || p == SecurityProtocol::SaslSsl;
}

//! One entry of --listeners / --advertised-listeners: PROTOCOL://host:port.
//! The protocol name is also the listener's name (as in Kafka without a
//! listener.security.protocol.map), so each protocol appears at most once.
struct ListenerConfig {
	SecurityProtocol protocol = SecurityProtocol::Plaintext;
	std::string host; //!< empty or 0.0.0.0 / :: = every interface
	int32_t port = 0; //!< 0 picks a free port
	std::string address() const;
};

//! Parses Kafka's listener syntax, "PLAINTEXT://127.0.0.1:9092,SASL_SSL://:9093";
//! throws std::invalid_argument saying what is wrong.
std::vector<ListenerConfig> parse_listeners(const std::string &text, const std::string &option);

//! Kafka's ssl.client.auth.
enum class ClientAuth {
	None,
	Requested,
	Required,
};

//! Server side of TLS listeners (PEM files).
struct TlsConfig {
	std::filesystem::path cert_file;
	std::filesystem::path key_file;
	//! CAs that client certificates must chain to (needed unless client auth is none).
	std::filesystem::path ca_file;
	ClientAuth client_auth = ClientAuth::None;
};

//! "none" / "requested" / "required"; throws std::invalid_argument otherwise.
ClientAuth parse_client_auth(const std::string &text);

enum class FsyncPolicy {
	Always,   //!< fdatasync before acknowledging a produce
	Interval, //!< fdatasync every second (acknowledged batches are already written)
	Never,    //!< leave flushing to the kernel
};

//! Parses "always" / "interval" / "never"; throws std::invalid_argument otherwise.
FsyncPolicy parse_fsync_policy(const std::string &text);

struct BrokerConfig {
	//! host:port to bind; port 0 picks a free one. Used (as one PLAINTEXT
	//! listener) when `listeners` is empty.
	std::string listen = "127.0.0.1:9092";
	//! Every listener, each with its security protocol; the first is the
	//! broker's main address (`Broker::address()`).
	std::vector<ListenerConfig> listeners;
	//! Per protocol, what Metadata and FindCoordinator tell clients that
	//! connected through that listener; a listener without one advertises
	//! its bound address.
	std::vector<ListenerConfig> advertised_listeners;
	TlsConfig tls;
	//! SASL mechanisms of SASL listeners (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
	std::vector<std::string> sasl_mechanisms = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
	std::filesystem::path data_dir;
	//! host:port clients are told to connect to; empty = the bound address.
	std::string advertised_listener;
	int32_t node_id = 0;
	//! Partition count of auto-created topics (and CreateTopics with -1).
	int32_t num_partitions = 1;
	bool auto_create_topics = true;
	FsyncPolicy fsync = FsyncPolicy::Interval;
	//! Topic defaults (overridden per topic by CreateTopics configs).
	storage::LogConfig log;
	std::chrono::milliseconds retention_check_interval{10000};
	//! Committed offsets of groups without members expire this long after
	//! their commit (Kafka's offsets.retention.minutes).
	std::chrono::minutes offsets_retention{7 * 24 * 60};
	//! Frames larger than this close the connection (Kafka's socket.request.max.bytes).
	size_t max_frame_bytes = 100u << 20;
};

} // namespace kafkaml::broker
