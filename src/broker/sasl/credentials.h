#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::broker::sasl {

using Bytes = std::vector<uint8_t>;

//! What the broker keeps of one user's password for one mechanism. Never
//! the password: SCRAM keeps Kafka's (salt, iterations, StoredKey,
//! ServerKey); PLAIN keeps a salted PBKDF2-HMAC-SHA-256 of it.
struct Credential {
	std::string mechanism; //!< PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
	Bytes salt;
	int32_t iterations = 0;
	Bytes stored_key; //!< SCRAM: H(ClientKey)
	Bytes server_key; //!< SCRAM: HMAC(SaltedPassword, "Server Key")
	Bytes hash;       //!< PLAIN: PBKDF2(password, salt, iterations)
};

constexpr int32_t kDefaultIterations = 4096;

//! True for PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.
bool known_mechanism(std::string_view mechanism);
//! Derives a credential from a password with a fresh random salt.
//! Throws std::invalid_argument for an unknown mechanism.
Credential make_credential(const std::string &mechanism, std::string_view password,
                           int32_t iterations = kDefaultIterations);
//! PLAIN: whether `password` matches, in constant time.
bool check_plain(const Credential &credential, std::string_view password);

// Primitives of RFC 5802 over OpenSSL; `sha512` picks SHA-512 over SHA-256.
Bytes hash(bool sha512, std::span<const uint8_t> data);
Bytes hmac(bool sha512, std::span<const uint8_t> key, std::string_view data);
Bytes pbkdf2(bool sha512, std::string_view password, std::span<const uint8_t> salt, int32_t iterations);
Bytes random_bytes(size_t n);
std::string base64(std::span<const uint8_t> data);
//! Throws std::invalid_argument on bad input.
Bytes unbase64(std::string_view text);
//! Constant-time equality (lengths compared first; they are not secret).
bool equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

} // namespace kafkaml::broker::sasl
