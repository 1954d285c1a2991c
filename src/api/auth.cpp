#include "api/auth.h"

#include "api/admin_token.h"
#include "http/message.h"
#include "store/time_text.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace kafkaml::api {
namespace {

constexpr auto kCacheLifetime = std::chrono::seconds(5);
constexpr auto kTouchEvery = std::chrono::minutes(1);

//! `at` (+ `millis`) in the store's form, 2025-01-31T12:00:00.000Z.
std::string utc_text(std::time_t at, int millis) {
	std::tm out{};
	gmtime_r(&at, &out);
	char buffer[64];
	std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", out.tm_year + 1900, out.tm_mon + 1,
	              out.tm_mday, out.tm_hour, out.tm_min, out.tm_sec, millis);
	return buffer;
}

Identity refused(std::string message) {
	Identity out;
	out.refusal = 401;
	out.presented = true;
	out.message = std::move(message);
	return out;
}

} // namespace

std::string_view role_name(Role role) {
	switch (role) {
	case Role::anonymous:
		return "anonymous";
	case Role::viewer:
		return "viewer";
	case Role::operator_:
		return "operator";
	case Role::admin:
		return "admin";
	}
	return "anonymous";
}

std::optional<Role> user_role(std::string_view name) {
	for (Role role : {Role::viewer, Role::operator_, Role::admin}) {
		if (role_name(role) == name) {
			return role;
		}
	}
	return std::nullopt;
}

std::map<std::pair<std::string, std::string>, RouteAccess> route_access_from(std::string_view openapi_json) {
	auto document = nlohmann::json::parse(openapi_json);
	std::map<std::pair<std::string, std::string>, RouteAccess> out;
	for (const auto &[path, item] : document.at("paths").items()) {
		for (const auto &[method, operation] : item.items()) {
			std::string upper = method;
			for (auto &c : upper) {
				c = char(std::toupper(static_cast<unsigned char>(c)));
			}
			auto role = operation.value("x-kafkaml-role", std::string());
			RouteAccess access;
			if (role == "anonymous") {
				access.role = Role::anonymous;
			} else if (auto known = user_role(role)) {
				access.role = *known;
			} else {
				throw std::logic_error("openapi.json: " + upper + " " + path +
				                       " has no x-kafkaml-role of anonymous, viewer, operator or admin");
			}
			access.scrape_token = operation.value("x-kafkaml-scrape-token", false);
			out[{upper, path}] = access;
		}
	}
	return out;
}

Authenticator::Authenticator(store::Store &store, std::string scrape_token_hash,
                             std::function<void(int64_t, std::string)> touch)
    : store_(store), scrape_hash_(std::move(scrape_token_hash)), touch_(std::move(touch)) {}

void Authenticator::forget() {
	std::lock_guard lock(mutex_);
	cache_.clear();
}

std::optional<store::AuthToken> Authenticator::lookup(const std::string &hash) {
	auto now = std::chrono::steady_clock::now();
	{
		std::lock_guard lock(mutex_);
		auto it = cache_.find(hash);
		if (it != cache_.end() && now - it->second.read_at < kCacheLifetime) {
			return it->second.token;
		}
	}
	auto token = store_.find_token_by_hash(hash);
	std::lock_guard lock(mutex_);
	if (token) {
		cache_[hash] = {*token, now};
	} else {
		cache_.erase(hash);
	}
	return token;
}

Identity Authenticator::identify(const http::Request &request) {
	auto header = request.headers.get("Authorization");
	if (!header || header->empty()) {
		return {};
	}
	if (!header->starts_with("Bearer ") || header->size() == 7) {
		return refused("the Authorization header must be \"Bearer <token>\"");
	}
	std::string presented(header->substr(7));
	auto hash = token_hash(presented);
	if (!scrape_hash_.empty() && token_matches(presented, scrape_hash_)) {
		Identity out;
		out.scrape = true;
		out.presented = true;
		return out;
	}
	auto token = lookup(hash);
	if (!token) {
		return refused("the bearer token is not known to this server; ask an admin for a token (kafkaml tokens "
		               "create), or use the admin token the server printed at its first start");
	}
	if (token->revoked_at) {
		return refused("token " + std::to_string(token->id) + " (\"" + token->name + "\" of user " + token->user_name +
		               ") was revoked at " + *token->revoked_at + "; ask an admin for a new one");
	}
	auto now = store::now_text();
	if (token->expires_at && *token->expires_at <= now) {
		return refused("token " + std::to_string(token->id) + " (\"" + token->name + "\" of user " + token->user_name +
		               ") expired at " + *token->expires_at + "; ask an admin for a new one");
	}
	bool touch = false;
	{
		std::lock_guard lock(mutex_);
		auto steady = std::chrono::steady_clock::now();
		auto &last = touched_[token->id];
		if (last.time_since_epoch().count() == 0 || steady - last >= kTouchEvery) {
			last = steady;
			touch = true;
		}
	}
	if (touch && touch_) {
		touch_(token->id, now);
	}
	Identity out;
	out.token = std::move(token);
	out.presented = true;
	return out;
}

void ensure_server_users(store::Store &store, const std::string &admin_token, const std::string &jobs_token) {
	auto admin = store.find_user("admin");
	if (!admin && store.list_users().empty()) {
		try {
			admin = store.create_user("admin", "admin");
		} catch (const store::Conflict &) {
			admin = store.find_user("admin"); // another server made it at the same time
		}
	}
	if (admin && !admin_token.empty() && !store.find_token_by_hash(token_hash(admin_token))) {
		try {
			store.create_token(admin->id, "admin-token", token_hash(admin_token), std::nullopt);
		} catch (const store::StoreError &) {
			// Another server stored it first (the hash is unique).
		}
	}
	if (jobs_token.empty()) {
		return;
	}
	auto jobs = store.find_user("jobs");
	if (!jobs) {
		try {
			jobs = store.create_user("jobs", "operator", true);
		} catch (const store::Conflict &) {
			jobs = store.find_user("jobs");
		}
	}
	if (!jobs || !jobs->builtin) {
		throw std::runtime_error("a user named 'jobs' exists but is not the server's own; rename it (delete it and "
		                         "make it again under another name) so the server can make its jobs' user");
	}
	auto hash = token_hash(jobs_token);
	auto existing = store.find_token_by_hash(hash);
	if (!existing) {
		try {
			store.create_token(jobs->id, "jobs", hash, std::nullopt);
		} catch (const store::StoreError &) {
		}
	} else if (existing->revoked_at) {
		store.unrevoke_token(existing->id);
	}
}

std::optional<std::string> store_time(std::string_view text) {
	int year, month, day, hour, minute, second, consumed = 0;
	std::string copy(text);
	if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
	                &consumed) != 6 ||
	    consumed != 19) {
		return std::nullopt;
	}
	std::string_view rest = text.substr(19);
	int millis = 0;
	if (rest.starts_with('.')) {
		size_t digits = 1;
		int scale = 100;
		while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
			millis += (rest[digits] - '0') * scale;
			scale /= 10;
			digits++;
		}
		if (digits == 1) {
			return std::nullopt;
		}
		rest = rest.substr(digits);
	}
	long offset = 0;
	if (rest == "Z" || rest == "z") {
		offset = 0;
	} else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
	           std::isdigit(static_cast<unsigned char>(rest[1])) && std::isdigit(static_cast<unsigned char>(rest[2])) &&
	           std::isdigit(static_cast<unsigned char>(rest[4])) && std::isdigit(static_cast<unsigned char>(rest[5]))) {
		offset = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 + ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60;
		if (rest[0] == '-') {
			offset = -offset;
		}
	} else {
		return std::nullopt;
	}
	if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
		return std::nullopt;
	}
	std::tm tm{};
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second;
	return utc_text(timegm(&tm) - offset, millis);
}

std::string store_time_in_days(int64_t days) {
	return utc_text(std::time(nullptr) + std::time_t(days) * 86400, 0);
}

} // namespace kafkaml::api
