#include "executors/kube_client.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace kafkaml::executors {
namespace {

using nlohmann::json;

std::string read_text(const std::filesystem::path &path, const std::string &what) {
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		throw std::runtime_error("cannot read " + what + " " + path.string());
	}
	return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string trim(std::string text) {
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
		text.pop_back();
	}
	return text;
}

json yaml_node(yaml_document_t &document, yaml_node_t *node) {
	if (!node) {
		return nullptr;
	}
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return std::string(reinterpret_cast<const char *>(node->data.scalar.value), node->data.scalar.length);
	case YAML_SEQUENCE_NODE: {
		auto out = json::array();
		for (auto *item = node->data.sequence.items.start; item < node->data.sequence.items.top; ++item) {
			out.push_back(yaml_node(document, yaml_document_get_node(&document, *item)));
		}
		return out;
	}
	case YAML_MAPPING_NODE: {
		auto out = json::object();
		for (auto *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; ++pair) {
			auto key = yaml_node(document, yaml_document_get_node(&document, pair->key));
			out[key.is_string() ? key.get<std::string>() : key.dump()] =
			    yaml_node(document, yaml_document_get_node(&document, pair->value));
		}
		return out;
	}
	default:
		return nullptr;
	}
}

//! The entry named `name` of a kubeconfig list (clusters, users, contexts).
json named(const json &config, const std::string &list, const std::string &name, const std::string &path) {
	if (config.contains(list) && config[list].is_array()) {
		for (const auto &entry : config[list]) {
			if (entry.is_object() && entry.value("name", "") == name) {
				return entry.value(list.substr(0, list.size() - 1), json::object());
			}
		}
	}
	throw std::runtime_error("the kubeconfig " + path + " has no " + list.substr(0, list.size() - 1) + " \"" + name +
	                         "\"");
}

//! A field given inline (`<field>-data`, base64) or as a file (relative to
//! the kubeconfig's directory).
std::string inline_or_file(const json &section, const std::string &field, const std::filesystem::path &base) {
	if (auto data = section.value(field + "-data", ""); !data.empty()) {
		return base64_decode(data);
	}
	if (auto file = section.value(field, ""); !file.empty()) {
		std::filesystem::path path = file;
		return read_text(path.is_absolute() ? path : base / path, "the kubeconfig's " + field);
	}
	return {};
}

struct BioDeleter {
	void operator()(BIO *bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

Bio memory_bio(const std::string &pem) {
	return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

//! Every certificate of a PEM bundle in a new store; owned by the caller
//! until handed to a client.
X509_STORE *ca_store(const std::string &pem) {
	X509_STORE *store = X509_STORE_new();
	auto bio = memory_bio(pem);
	int added = 0;
	while (X509 *certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
		X509_STORE_add_cert(store, certificate);
		X509_free(certificate);
		++added;
	}
	if (added == 0) {
		X509_STORE_free(store);
		throw std::runtime_error("the Kubernetes API server's CA holds no PEM certificate");
	}
	return store;
}

} // namespace

std::string base64_encode(const std::string &data) {
	std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
	int size = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
	                           reinterpret_cast<const unsigned char *>(data.data()), static_cast<int>(data.size()));
	out.resize(static_cast<size_t>(size));
	return out;
}

std::string base64_decode(const std::string &text) {
	std::string clean;
	for (char c : text) {
		if (!std::isspace(static_cast<unsigned char>(c))) {
			clean += c;
		}
	}
	if (clean.size() % 4 != 0) {
		throw std::runtime_error("not base64");
	}
	std::string out(clean.size() / 4 * 3 + 1, '\0');
	int size = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
	                           reinterpret_cast<const unsigned char *>(clean.data()), static_cast<int>(clean.size()));
	if (size < 0) {
		throw std::runtime_error("not base64");
	}
	// EVP_DecodeBlock counts the padding as zero bytes.
	size -= static_cast<int>(std::count(clean.end() - std::min<size_t>(2, clean.size()), clean.end(), '='));
	out.resize(static_cast<size_t>(size));
	return out;
}

json parse_yaml(const std::string &text) {
	yaml_parser_t parser;
	yaml_document_t document;
	if (!yaml_parser_initialize(&parser)) {
		throw std::runtime_error("cannot parse YAML (out of memory)");
	}
	yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char *>(text.data()), text.size());
	if (!yaml_parser_load(&parser, &document)) {
		std::string problem = parser.problem ? parser.problem : "a syntax error";
		auto line = parser.problem_mark.line + 1;
		yaml_parser_delete(&parser);
		throw std::runtime_error("YAML: " + problem + " at line " + std::to_string(line));
	}
	auto out = yaml_node(document, yaml_document_get_root_node(&document));
	yaml_document_delete(&document);
	yaml_parser_delete(&parser);
	return out;
}

KubeCredentials in_cluster_credentials(const std::string &dir) {
	const char *host = std::getenv("KUBERNETES_SERVICE_HOST");
	const char *port = std::getenv("KUBERNETES_SERVICE_PORT");
	if (!host || !port || !std::filesystem::exists(std::filesystem::path(dir) / "token")) {
		throw std::runtime_error("not in a Kubernetes pod (no KUBERNETES_SERVICE_HOST/PORT or no service account "
		                         "token in " +
		                         dir + "): name a kubeconfig with --kubeconfig");
	}
	std::string address = host;
	if (address.find(':') != std::string::npos) {
		address = "[" + address + "]"; // IPv6
	}
	KubeCredentials credentials;
	credentials.server = "https://" + address + ":" + port;
	credentials.token_file = (std::filesystem::path(dir) / "token").string();
	credentials.ca_pem = read_text(std::filesystem::path(dir) / "ca.crt", "the service account's CA");
	std::error_code error;
	if (std::filesystem::exists(std::filesystem::path(dir) / "namespace", error)) {
		credentials.namespace_name = trim(read_text(std::filesystem::path(dir) / "namespace", "the namespace file"));
	}
	return credentials;
}

KubeCredentials kubeconfig_credentials(const std::string &path) {
	json config;
	try {
		config = parse_yaml(read_text(path, "the kubeconfig"));
	} catch (const std::runtime_error &e) {
		throw std::runtime_error("cannot read the kubeconfig " + path + ": " + e.what());
	}
	if (!config.is_object() || config.value("current-context", "").empty()) {
		throw std::runtime_error("the kubeconfig " + path + " has no current-context");
	}
	auto base = std::filesystem::absolute(path).parent_path();
	auto context = named(config, "contexts", config["current-context"].get<std::string>(), path);
	auto cluster = named(config, "clusters", context.value("cluster", ""), path);
	auto user = named(config, "users", context.value("user", ""), path);
	if (user.contains("exec") || user.contains("auth-provider")) {
		throw std::runtime_error("the kubeconfig " + path +
		                         " authenticates through a plugin (exec or auth-provider), which kafkaml does not "
		                         "run: give its user a token or a client certificate");
	}
	KubeCredentials credentials;
	credentials.server = cluster.value("server", "");
	credentials.ca_pem = inline_or_file(cluster, "certificate-authority", base);
	credentials.token = user.value("token", "");
	if (auto file = user.value("tokenFile", ""); !file.empty()) {
		credentials.token_file = std::filesystem::path(file).is_absolute() ? file : (base / file).string();
	}
	credentials.client_cert_pem = inline_or_file(user, "client-certificate", base);
	credentials.client_key_pem = inline_or_file(user, "client-key", base);
	credentials.namespace_name = context.value("namespace", "");
	if (credentials.server.empty()) {
		throw std::runtime_error("the kubeconfig " + path + " names no server for its current context");
	}
	return credentials;
}

json KubeResponse::json() const {
	return nlohmann::json::parse(body, nullptr, false);
}

std::string KubeResponse::message() const {
	auto parsed = json();
	if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
		return parsed["message"].get<std::string>();
	}
	return body.empty() ? "status " + std::to_string(status) : body;
}

KubeClient::KubeClient(KubeCredentials credentials) : credentials_(std::move(credentials)) {
	const auto &server = credentials_.server;
	auto scheme_end = server.find("://");
	if (scheme_end == std::string::npos) {
		throw std::runtime_error("the Kubernetes API server must be https://host[:port], not \"" + server + "\"");
	}
	auto scheme = server.substr(0, scheme_end);
	auto rest = server.substr(scheme_end + 3);
	if (auto slash = rest.find('/'); slash != std::string::npos) {
		rest = rest.substr(0, slash);
	}
	tls_ = scheme == "https";
	port_ = tls_ ? 443 : 80;
	auto colon = rest.rfind(':');
	if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
		port_ = std::stoi(rest.substr(colon + 1));
		rest = rest.substr(0, colon);
	}
	if (rest.size() > 1 && rest.front() == '[') {
		rest = rest.substr(1, rest.size() - 2);
	}
	host_ = rest;
	// Plain HTTP would carry the token in clear: only to this machine (a
	// test's fake API server, or kubectl proxy).
	bool loopback = host_ == "127.0.0.1" || host_ == "::1" || host_ == "localhost";
	if (scheme != "https" && !(scheme == "http" && loopback)) {
		throw std::runtime_error("the Kubernetes API server must be https://host[:port] (http:// to loopback only), "
		                         "not \"" +
		                         server + "\"");
	}
}

KubeResponse KubeClient::request(const std::string &method, const std::string &path, const std::string &body,
                                 const std::string &content_type, std::chrono::seconds timeout) const {
	std::unique_ptr<httplib::ClientImpl> client;
	if (tls_) {
		std::unique_ptr<httplib::SSLClient> ssl;
		if (!credentials_.client_cert_pem.empty()) {
			auto cert_bio = memory_bio(credentials_.client_cert_pem);
			auto key_bio = memory_bio(credentials_.client_key_pem);
			X509 *certificate = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
			EVP_PKEY *key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
			if (!certificate || !key) {
				X509_free(certificate);
				EVP_PKEY_free(key);
				throw std::runtime_error("the kubeconfig's client certificate or key is not PEM");
			}
			ssl = std::make_unique<httplib::SSLClient>(host_, port_, certificate, key);
			X509_free(certificate);
			EVP_PKEY_free(key);
		} else {
			ssl = std::make_unique<httplib::SSLClient>(host_, port_);
		}
		if (!credentials_.ca_pem.empty()) {
			ssl->set_ca_cert_store(ca_store(credentials_.ca_pem));
		}
		ssl->enable_server_certificate_verification(true);
		client = std::move(ssl);
	} else {
		client = std::make_unique<httplib::ClientImpl>(host_, port_);
	}
	client->set_connection_timeout(10);
	client->set_read_timeout(static_cast<time_t>(timeout.count()));
	client->set_write_timeout(10);

	httplib::Request req;
	req.method = method;
	req.path = path;
	req.body = body;
	req.headers.emplace("Accept", "application/json");
	if (!body.empty()) {
		req.headers.emplace("Content-Type", content_type);
	}
	auto token = credentials_.token;
	if (!credentials_.token_file.empty()) {
		token = trim(read_text(credentials_.token_file, "the Kubernetes token"));
	}
	if (!token.empty()) {
		req.headers.emplace("Authorization", "Bearer " + token);
	}
	auto result = client->send(req);
	if (!result) {
		throw std::runtime_error("cannot reach the Kubernetes API server at " + credentials_.server + ": " +
		                         httplib::to_string(result.error()));
	}
	return {result->status, result->body};
}

KubeResponse KubeClient::checked(const std::string &what, const std::string &method, const std::string &path,
                                 const std::string &body, const std::string &content_type) const {
	auto response = request(method, path, body, content_type);
	if (response.status >= 400) {
		throw std::runtime_error(what + ": " + response.message() + " (HTTP " + std::to_string(response.status) + ")");
	}
	return response;
}

} // namespace kafkaml::executors
