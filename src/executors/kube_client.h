#pragma once

// A small client of the Kubernetes API: where the API server is and how to
// prove who we are (in-cluster service account or a kubeconfig), and one
// HTTPS request at a time (cpp-httplib, built with OpenSSL). Enough for the
// objects and verbs the Kubernetes executor uses; no watch streams.
//
// Threading: KubeClient is immutable after construction; any thread,
// concurrently (each request opens its own connection).

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace kafkaml::executors {

//! Where the API server is and the credentials to present.
struct KubeCredentials {
	//! https://host:port; http:// only to a loopback address (a test's fake).
	std::string server;
	std::string ca_pem;          //!< the CA bundle that signed the server's certificate; empty: the system's
	std::string token;           //!< a bearer token, or:
	std::string token_file;      //!< a file read on each request (in-cluster tokens are rotated)
	std::string client_cert_pem; //!< client certificate and key (PEM), instead of a token
	std::string client_key_pem;
	std::string namespace_name; //!< the namespace the credentials say (may be empty)
};

//! The service account of the pod we run in: its token, CA and namespace
//! under `dir`, the API server from KUBERNETES_SERVICE_HOST/PORT. Throws
//! std::runtime_error saying what is missing when not in a pod.
KubeCredentials in_cluster_credentials(const std::string &dir = "/var/run/secrets/kubernetes.io/serviceaccount");
//! The current context of a kubeconfig file (YAML): its cluster's server and
//! CA (certificate-authority or -data), its user's token (token,
//! tokenFile) or client certificate and key (file or -data), its
//! namespace. Throws std::runtime_error naming what it cannot use (exec
//! and auth-provider plugins are not supported).
KubeCredentials kubeconfig_credentials(const std::string &path);
//! A YAML document as JSON: mappings, sequences, scalars as strings. Throws
//! std::runtime_error on a syntax error. For kubeconfigs.
nlohmann::json parse_yaml(const std::string &text);

std::string base64_encode(const std::string &data);
//! Throws std::runtime_error when `text` is not base64.
std::string base64_decode(const std::string &text);

struct KubeResponse {
	int status = 0;
	std::string body;
	nlohmann::json json() const;
	//! The Status object's message of an error answer, or the body.
	std::string message() const;
};

class KubeClient {
public:
	//! Throws std::runtime_error for a server URL it cannot use.
	explicit KubeClient(KubeCredentials credentials);

	//! One request; `content_type` for the body (PATCH: a patch type).
	//! Throws std::runtime_error naming the server when it cannot be reached.
	KubeResponse request(const std::string &method, const std::string &path, const std::string &body = "",
	                     const std::string &content_type = "application/json",
	                     std::chrono::seconds timeout = std::chrono::seconds(30)) const;
	//! As request(), but a status of 400 or more throws std::runtime_error
	//! with the API's message, prefixed by `what`.
	KubeResponse checked(const std::string &what, const std::string &method, const std::string &path,
	                     const std::string &body = "", const std::string &content_type = "application/json") const;

	const KubeCredentials &credentials() const { return credentials_; }

private:
	KubeCredentials credentials_;
	bool tls_ = true;
	std::string host_;
	int port_ = 443;
};

} // namespace kafkaml::executors
