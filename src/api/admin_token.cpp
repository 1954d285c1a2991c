#include "api/admin_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <random>
#include <stdexcept>
#include <sys/stat.h>

namespace kafkaml::api {
namespace {

constexpr const char *kHashKey = "admin_token_sha256";
//! Where versions before the hash kept the token itself.
constexpr const char *kLegacyKey = "admin_token";

std::string hex(const unsigned char *bytes, size_t size) {
	static const char digits[] = "0123456789abcdef";
	std::string out;
	out.reserve(size * 2);
	for (size_t i = 0; i < size; i++) {
		out += digits[bytes[i] >> 4];
		out += digits[bytes[i] & 15];
	}
	return out;
}

} // namespace

std::string random_token() {
	std::random_device random; // the system's CSPRNG (getrandom)
	unsigned char bytes[32];
	for (auto &byte : bytes) {
		byte = static_cast<unsigned char>(random() & 0xff);
	}
	return hex(bytes, sizeof(bytes));
}

std::string derived_token(std::string_view secret, std::string_view purpose) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;
	if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
	          reinterpret_cast<const unsigned char *>(purpose.data()), purpose.size(), digest, &size)) {
		throw std::runtime_error("cannot derive a token (OpenSSL HMAC failed)");
	}
	return hex(digest, size);
}

namespace {

std::string read_token_file(const std::filesystem::path &file) {
	std::ifstream in(file);
	std::string token;
	in >> token;
	return token;
}

} // namespace

void write_token_file(const std::filesystem::path &file, const std::string &token) {
	auto old_mask = ::umask(077);
	std::ofstream out(file, std::ios::trunc);
	::umask(old_mask);
	out << token << '\n';
	out.close();
	if (!out) {
		throw std::runtime_error("cannot write a token to " + file.string());
	}
	// An existing file keeps its mode through a truncating open.
	std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::string token_hash(std::string_view token) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;
	if (EVP_Digest(token.data(), token.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
		throw std::runtime_error("SHA-256 is not available from the crypto library");
	}
	return hex(digest, size);
}

bool token_matches(std::string_view presented, std::string_view hash) {
	auto computed = token_hash(presented);
	return computed.size() == hash.size() && CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

std::string ensure_admin_token(store::Store &store, const std::filesystem::path &token_file, bool reset) {
	if (auto legacy = store.get_setting(kLegacyKey)) {
		store.put_setting(kHashKey, token_hash(*legacy));
		store.delete_setting(kLegacyKey);
		write_token_file(token_file, *legacy);
		return *legacy;
	}
	if (reset) {
		auto token = random_token();
		store.put_setting(kHashKey, token_hash(token));
		write_token_file(token_file, token);
		return token;
	}
	auto stored = store.get_setting(kHashKey);
	if (!stored) {
		auto token = random_token();
		// Two servers starting together on one database agree on the hash
		// that got there first; the loser finds its file does not match.
		stored = store.put_setting_if_absent(kHashKey, token_hash(token));
		if (*stored == token_hash(token)) {
			write_token_file(token_file, token);
			return token;
		}
	}
	auto token = read_token_file(token_file);
	if (token.empty()) {
		throw std::runtime_error("the store already has an admin token, but " + token_file.string() +
		                         " does not hold it; copy that file from the server that made the token, or "
		                         "start with --reset-admin-token to make a new one");
	}
	if (!token_matches(token, *stored)) {
		throw std::runtime_error(token_file.string() +
		                         " holds another admin token than the store's; copy the file from the server that "
		                         "made the token, or start with --reset-admin-token to make a new one");
	}
	return token;
}

} // namespace kafkaml::api
