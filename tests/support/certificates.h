#pragma once
// Certificates for tests of TLS listeners, made with the openssl command line
// (so that no test carries key material): a CA, a server certificate for
// 127.0.0.1 and localhost signed by it, a client certificate signed by it,
// and a second CA that signed none of them (what an untrusted server or
// client presents). Keys are RSA 2048 without passphrase, valid two days.
//
// Thread: construct on one thread (it runs openssl several times, about a
// second); file() from any.
#include <filesystem>
#include <string>

namespace kafkaml::testing {

class Certificates {
public:
	//! Writes ca.pem/ca.key, server.pem/server.key, client.pem/client.key and
	//! other-ca.pem/other-ca.key into `dir`, which must exist. Throws
	//! std::runtime_error with openssl's output when a step fails.
	explicit Certificates(const std::filesystem::path &dir);

	//! A file made here, by name ("ca.pem", "server.key", ...).
	std::filesystem::path file(const std::string &name) const { return dir_ / name; }
	const std::filesystem::path &dir() const { return dir_; }

private:
	std::filesystem::path dir_;
};

} // namespace kafkaml::testing
