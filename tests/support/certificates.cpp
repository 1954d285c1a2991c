#include "support/certificates.h"

#include "support/child_process.h"

#include <stdexcept>

namespace kafkaml::testing {

namespace {

//! Runs an openssl step in `dir`; its output is what a failure shows.
void must(const std::filesystem::path &dir, const std::string &command) {
	auto r = run_shell("cd '" + dir.string() + "' && " + command + " 2>&1");
	if (r.status != 0) {
		throw std::runtime_error(command + " failed: " + r.out + r.err);
	}
}

} // namespace

Certificates::Certificates(const std::filesystem::path &dir) : dir_(dir) {
	must(dir_, "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
	           "-subj '/CN=kafkaml test CA'");
	must(dir_, "openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 "
	           "-subj '/CN=someone else'");
	// Clients check the address they dialled against the subjectAltName.
	must(dir_, "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && "
	           "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' && "
	           "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
	           "-extfile san.ext");
	must(dir_, "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj '/CN=test client' && "
	           "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2");
}

} // namespace kafkaml::testing
