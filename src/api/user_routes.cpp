// Users, tokens, the audit log, whoami and health: who may call the API
// (auth.h). A token's secret appears in one answer only, the one that made
// it; the store keeps its SHA-256. Every change here empties the
// Authenticator's cache, so a revoked token or a lowered role counts on the
// next call.

#include "api/admin_token.h"
#include "api/api_http.h"
#include "api/api_server.h"
#include "api/auth.h"
#include "store/time_text.h"

#include <algorithm>
#include <cctype>

namespace kafkaml::api {
namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string> &text) {
	return text ? json(*text) : json(nullptr);
}

json user_json(const store::User &user) {
	return {{"id", user.id},
	        {"name", user.name},
	        {"role", user.role},
	        {"created_at", user.created_at},
	        {"tokens", user.live_tokens}};
}

json token_json(const store::AuthToken &token) {
	return {{"id", token.id},
	        {"name", token.name},
	        {"user", {{"id", token.user_id}, {"name", token.user_name}, {"role", token.user_role}}},
	        {"created_at", token.created_at},
	        {"expires_at", optional_json(token.expires_at)},
	        {"last_used_at", optional_json(token.last_used_at)},
	        {"revoked_at", optional_json(token.revoked_at)}};
}

json audit_json(const store::AuditEntry &entry) {
	return {{"id", entry.id},
	        {"at", entry.at},
	        {"user", optional_json(entry.user)},
	        {"token_id", entry.token_id ? json(*entry.token_id) : json(nullptr)},
	        {"method", entry.method},
	        {"path", entry.path},
	        {"status", entry.status},
	        {"remote_address", entry.remote_address}};
}

std::string role_field(const json &body) {
	auto role = text_field(body, "role");
	if (!user_role(role)) {
		throw ApiError(400, "role must be viewer, operator or admin, not '" + role + "'");
	}
	return role;
}

std::string user_name_field(const json &body) {
	auto name = text_field(body, "name");
	bool valid = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
		return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@';
	});
	if (!valid) {
		throw ApiError(400, "name must be 1 to 64 letters, digits, '.', '_', '-' or '@'");
	}
	return name;
}

//! The expiry a token request asks for, in the store's form; nullopt: never.
std::optional<std::string> expiry_field(const json &body) {
	bool has_at = body.contains("expires_at") && !body["expires_at"].is_null();
	bool has_days = body.contains("expires_in_days") && !body["expires_in_days"].is_null();
	if (has_at && has_days) {
		throw ApiError(400, "give expires_at or expires_in_days, not both");
	}
	if (has_days) {
		auto days = integer_field(body, "expires_in_days");
		if (days < 1 || days > 36500) {
			throw ApiError(400, "expires_in_days must be 1 to 36500");
		}
		return store_time_in_days(days);
	}
	if (!has_at) {
		return std::nullopt;
	}
	auto text = text_field(body, "expires_at");
	auto at = store_time(text);
	if (!at) {
		throw ApiError(400, "expires_at must be an RFC 3339 time such as 2030-01-31T12:00:00Z, not '" + text + "'");
	}
	if (*at <= store::now_text()) {
		throw ApiError(400, "expires_at " + text + " is in the past");
	}
	return at;
}

} // namespace

void ApiServer::register_user_routes() {
	store::Store &db = *options_.store;
	Authenticator &auth = *auth_;

	add("GET", "/api/v1/health", [this](Call &call) {
		auto orchestrator = orchestrator_status();
		call.reply(200, {{"status", "ok"},
		                 {"orchestrator",
		                  {{"leader", orchestrator.leader},
		                   {"leader_url", orchestrator.leader_url},
		                   {"term", orchestrator.term}}}});
	});
	add("GET", "/api/v1/whoami", [&auth](Call &call) {
		auto who = auth.identify(call.request);
		if (!who.token) {
			throw ApiError(401, "no valid token: " + who.message);
		}
		const auto &t = *who.token;
		call.reply(200, {{"user", {{"id", t.user_id}, {"name", t.user_name}, {"role", t.user_role}}},
		                 {"token", {{"id", t.id}, {"name", t.name}, {"expires_at", optional_json(t.expires_at)}}}});
	});

	add("GET", "/api/v1/users", [&db](Call &call) {
		json out = json::array();
		for (const auto &user : db.list_users()) {
			out.push_back(user_json(user));
		}
		call.reply(200, out);
	});
	add("POST", "/api/v1/users", [&db](Call &call) {
		json body = call.body();
		auto name = user_name_field(body);
		auto role = role_field(body);
		call.reply(201, user_json(db.create_user(name, role)));
	});
	add("GET", "/api/v1/users/{id}", [&db](Call &call) { call.reply(200, user_json(db.get_user(call.id()))); });
	add("PUT", "/api/v1/users/{id}", [&db, &auth](Call &call) {
		json body = call.body();
		auto role = role_field(body);
		auto user = db.set_user_role(call.id(), role);
		auth.forget();
		call.reply(200, user_json(user));
	});
	add("DELETE", "/api/v1/users/{id}", [&db, &auth](Call &call) {
		db.delete_user(call.id());
		auth.forget();
		call.no_content();
	});

	add("GET", "/api/v1/tokens", [&db](Call &call) {
		json out = json::array();
		for (const auto &token : db.list_tokens()) {
			out.push_back(token_json(token));
		}
		call.reply(200, out);
	});
	add("POST", "/api/v1/tokens", [&db](Call &call) {
		json body = call.body();
		std::optional<store::User> user;
		if (body.contains("user_id") && !body["user_id"].is_null()) {
			user = db.get_user(integer_field(body, "user_id"));
		} else if (body.contains("user") && !body["user"].is_null()) {
			auto name = text_field(body, "user");
			user = db.find_user(name);
			if (!user) {
				throw ApiError(404, "no user named '" + name + "'; list them with GET /api/v1/users");
			}
		} else {
			throw ApiError(400, "give the token's user as user_id (a number) or user (a name)");
		}
		if (user->builtin) {
			throw ApiError(409, "user " + user->name + " is the server's own; make tokens for other users");
		}
		auto name = text_field(body, "name", "token");
		auto expires = expiry_field(body);
		auto secret = random_token();
		auto token = db.create_token(user->id, name, token_hash(secret), expires);
		json out = token_json(token);
		out["token"] = secret;
		call.reply(201, out);
	});
	add("DELETE", "/api/v1/tokens/{id}", [&db, &auth](Call &call) {
		auto token = db.get_token(call.id());
		if (token.user_builtin) {
			throw ApiError(409, "token " + std::to_string(token.id) +
			                        " is the one the server's jobs report with; it "
			                        "changes with the admin token (--reset-admin-token)");
		}
		db.revoke_token(token.id);
		auth.forget();
		call.no_content();
	});

	add("GET", "/api/v1/audit", [&db](Call &call) {
		int64_t limit = 100;
		std::optional<int64_t> before;
		try {
			if (!call.param("limit").empty()) {
				limit = std::stoll(call.param("limit"));
			}
			if (!call.param("before").empty()) {
				before = std::stoll(call.param("before"));
			}
		} catch (const std::exception &) {
			throw ApiError(400, "limit and before must be numbers");
		}
		if (limit < 1 || limit > 1000) {
			throw ApiError(400, "limit must be 1 to 1000");
		}
		auto entries = db.list_audit(size_t(limit), before);
		json out = json::array();
		for (const auto &entry : entries) {
			out.push_back(audit_json(entry));
		}
		json next = nullptr;
		if (int64_t(entries.size()) == limit && !entries.empty()) {
			next = entries.back().id;
		}
		call.reply(200, {{"entries", out}, {"next_before", next}});
	});
}

} // namespace kafkaml::api
