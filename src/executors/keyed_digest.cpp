#include "executors/keyed_digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace kafkaml::executors {

std::string keyed_digest(const std::string &key, const std::string &text) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;
	if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
	          reinterpret_cast<const unsigned char *>(text.data()), text.size(), digest, &size)) {
		throw std::runtime_error("cannot fingerprint the jobs' settings (OpenSSL HMAC failed)");
	}
	static const char *hex = "0123456789abcdef";
	std::string out;
	for (unsigned int i = 0; i < size; ++i) {
		out += hex[digest[i] >> 4];
		out += hex[digest[i] & 15];
	}
	return out;
}

} // namespace kafkaml::executors
