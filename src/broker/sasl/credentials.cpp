#include "broker/sasl/credentials.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace kafkaml::broker::sasl {

namespace {

const EVP_MD *digest(bool sha512) {
	return sha512 ? ::EVP_sha512() : ::EVP_sha256();
}

bool is_sha512(const std::string &mechanism) {
	return mechanism == "SCRAM-SHA-512";
}

} // namespace

bool known_mechanism(std::string_view mechanism) {
	return mechanism == "PLAIN" || mechanism == "SCRAM-SHA-256" || mechanism == "SCRAM-SHA-512";
}

Bytes hash(bool sha512, std::span<const uint8_t> data) {
	Bytes out(EVP_MAX_MD_SIZE);
	unsigned int len = 0;
	if (::EVP_Digest(data.data(), data.size(), out.data(), &len, digest(sha512), nullptr) != 1) {
		throw std::runtime_error("hash failed");
	}
	out.resize(len);
	return out;
}

Bytes hmac(bool sha512, std::span<const uint8_t> key, std::string_view data) {
	Bytes out(EVP_MAX_MD_SIZE);
	unsigned int len = 0;
	if (!::HMAC(digest(sha512), key.data(), static_cast<int>(key.size()),
	            reinterpret_cast<const unsigned char *>(data.data()), data.size(), out.data(), &len)) {
		throw std::runtime_error("HMAC failed");
	}
	out.resize(len);
	return out;
}

Bytes pbkdf2(bool sha512, std::string_view password, std::span<const uint8_t> salt, int32_t iterations) {
	Bytes out(static_cast<size_t>(::EVP_MD_get_size(digest(sha512))));
	if (::PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
	                        static_cast<int>(salt.size()), iterations, digest(sha512), static_cast<int>(out.size()),
	                        out.data()) != 1) {
		throw std::runtime_error("PBKDF2 failed");
	}
	return out;
}

Bytes random_bytes(size_t n) {
	Bytes out(n);
	if (::RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
		throw std::runtime_error("no random bytes from OpenSSL");
	}
	return out;
}

std::string base64(std::span<const uint8_t> data) {
	std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
	int n =
	    ::EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), data.data(), static_cast<int>(data.size()));
	out.resize(static_cast<size_t>(n));
	return out;
}

Bytes unbase64(std::string_view text) {
	if (text.size() % 4 != 0) {
		throw std::invalid_argument("bad base64");
	}
	Bytes out(text.size() / 4 * 3 + 1);
	int n = ::EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char *>(text.data()),
	                          static_cast<int>(text.size()));
	if (n < 0) {
		throw std::invalid_argument("bad base64");
	}
	// EVP_DecodeBlock counts padding as zero bytes.
	size_t len = static_cast<size_t>(n);
	for (size_t i = text.size(); i > 0 && text[i - 1] == '='; i--) {
		len--;
	}
	out.resize(len);
	return out;
}

bool equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
	return a.size() == b.size() && ::CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Credential make_credential(const std::string &mechanism, std::string_view password, int32_t iterations) {
	if (!known_mechanism(mechanism)) {
		throw std::invalid_argument("unknown SASL mechanism '" + mechanism +
		                            "': use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
	}
	Credential c;
	c.mechanism = mechanism;
	c.iterations = iterations;
	if (mechanism == "PLAIN") {
		c.salt = random_bytes(16);
		c.hash = pbkdf2(false, password, c.salt, iterations);
		return c;
	}
	bool sha512 = is_sha512(mechanism);
	c.salt = random_bytes(sha512 ? 64 : 32);
	auto salted = pbkdf2(sha512, password, c.salt, iterations);
	c.stored_key = hash(sha512, hmac(sha512, salted, "Client Key"));
	c.server_key = hmac(sha512, salted, "Server Key");
	return c;
}

bool check_plain(const Credential &credential, std::string_view password) {
	return equal(pbkdf2(false, password, credential.salt, credential.iterations), credential.hash);
}

} // namespace kafkaml::broker::sasl
