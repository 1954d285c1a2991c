#pragma once

// Who may call what: roles, the role each route needs (read from the
// OpenAPI document's x-kafkaml-role, so the document and the enforcement
// cannot disagree), and the Authenticator that turns a bearer token into
// its user.
//
// Roles are ordered: viewer (reads) < operator (changes, the jobs' reports)
// < admin (deletes, users, tokens, audit). `anonymous` is what a route needs
// that answers without a token (health).
//
// Tokens are looked up by the SHA-256 of the secret: the store holds no
// secret. The Authenticator caches what it read for a few seconds so that
// the I/O thread, where the check runs, seldom waits for the store; a change
// of users or tokens through this server empties the cache at once, one
// made by another server sharing the database is seen within the cache's
// lifetime.
//
// Thread-safety: Authenticator is safe from any thread (one mutex around
// its cache; store calls happen outside it).

#include "store/store.h"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kafkaml::http {
struct Request;
}

namespace kafkaml::api {

enum class Role { anonymous = 0, viewer = 1, operator_ = 2, admin = 3 };

std::string_view role_name(Role role);
//! nullopt for a name that is no role (anonymous is not a user's role).
std::optional<Role> user_role(std::string_view name);

//! What a route needs, from its operation in openapi.json.
struct RouteAccess {
	Role role = Role::admin;
	bool scrape_token = false; //!< the metrics scrape token is accepted too
};

//! Each operation of the OpenAPI document by (METHOD, path). Throws
//! std::logic_error for an operation without a valid x-kafkaml-role.
std::map<std::pair<std::string, std::string>, RouteAccess> route_access_from(std::string_view openapi_json);

//! The outcome of checking a request's token.
struct Identity {
	std::optional<store::AuthToken> token; //!< set when a user's token was accepted
	bool scrape = false;                   //!< the metrics scrape token was presented
	int refusal = 0;                       //!< 401 when the token was refused; 0 otherwise
	std::string message;                   //!< why it was refused and what to do
	bool presented = false;                //!< a bearer token was sent at all
};

class Authenticator {
public:
	//! `scrape_token_hash`: SHA-256 of the metrics scrape token; empty: none.
	//! `touch(token id, time)` records a use (at most once a minute a token).
	Authenticator(store::Store &store, std::string scrape_token_hash, std::function<void(int64_t, std::string)> touch);

	//! The request's token: none, a valid user token (not revoked, not
	//! expired), the scrape token, or a refusal saying which and what to do.
	Identity identify(const http::Request &request);
	//! Drops what the cache holds (after a change of users or tokens).
	void forget();

private:
	struct Cached {
		store::AuthToken token;
		std::chrono::steady_clock::time_point read_at;
	};
	std::optional<store::AuthToken> lookup(const std::string &hash);

	store::Store &store_;
	std::string scrape_hash_;
	std::function<void(int64_t, std::string)> touch_;
	std::mutex mutex_;
	std::map<std::string, Cached> cache_;                              //!< by hash
	std::map<int64_t, std::chrono::steady_clock::time_point> touched_; //!< by token id
};

//! The server's own users, made on first start: `admin` (role admin) whose
//! first token is `admin_token`, and `jobs` (operator, built in) whose token
//! is `jobs_token` (empty: none). Idempotent; makes a token whose hash is
//! not stored yet, and makes the jobs' token live again if it was revoked.
void ensure_server_users(store::Store &store, const std::string &admin_token, const std::string &jobs_token);

//! `text` (RFC 3339: 2025-01-31T12:00:00Z, fractions and offsets allowed)
//! as the store's UTC form (2025-01-31T12:00:00.000Z); nullopt when it is
//! not such a time.
std::optional<std::string> store_time(std::string_view text);
//! Now plus `days`, in the store's form.
std::string store_time_in_days(int64_t days);

} // namespace kafkaml::api
