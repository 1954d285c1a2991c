// SqlStore's users and tokens. A user's live token count and a token's user
// come from joins, so a list is one statement. The last admin is protected
// inside the transaction that would remove it, so two admins demoting each
// other at once cannot both succeed (PostgreSQL: the admins' rows are locked).

#include "store/sql_store.h"

#include "store/sql_cells.h"
#include "store/sql_transaction.h"
#include "store/time_text.h"

namespace kafkaml::store {
namespace {

// Live: not revoked and not expired at `now` (times compare as text).
constexpr const char *USER_SELECT =
    "SELECT u.id, u.name, u.role, u.builtin, u.created_at, (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id "
    "AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)) FROM users u";

constexpr const char *TOKEN_SELECT =
    "SELECT t.id, t.user_id, u.name, u.role, u.builtin, t.name, t.created_at, t.expires_at, t.last_used_at, "
    "t.revoked_at FROM tokens t JOIN users u ON u.id = t.user_id";

User user_from(const SqlRow &row) {
	User u;
	u.id = to_int(row[0]);
	u.name = to_text(row[1]);
	u.role = to_text(row[2]);
	u.builtin = to_int(row[3]) != 0;
	u.created_at = to_text(row[4]);
	u.live_tokens = to_int(row[5]);
	return u;
}

AuthToken token_from(const SqlRow &row) {
	AuthToken t;
	t.id = to_int(row[0]);
	t.user_id = to_int(row[1]);
	t.user_name = to_text(row[2]);
	t.user_role = to_text(row[3]);
	t.user_builtin = to_int(row[4]) != 0;
	t.name = to_text(row[5]);
	t.created_at = to_text(row[6]);
	t.expires_at = row[7];
	t.last_used_at = row[8];
	t.revoked_at = row[9];
	return t;
}

} // namespace

User SqlStore::user_locked(int64_t id) {
	std::string now = now_text();
	auto rows = q(std::string(USER_SELECT) + " WHERE u.id = ?", {sv(now), id});
	if (rows.empty()) {
		throw NotFound(not_found("user", id));
	}
	return user_from(rows[0]);
}

void SqlStore::keep_an_admin(int64_t id, std::string_view what) {
	bool postgres = db_->dialect() == SqlDialect::PostgreSQL;
	auto others =
	    q(std::string("SELECT id FROM users WHERE role = 'admin' AND id <> ?") + (postgres ? " FOR UPDATE" : ""), {id});
	if (others.empty()) {
		throw Conflict("user " + std::to_string(id) + " is the last admin and cannot be " + std::string(what) +
		               "; make another user an admin first");
	}
}

User SqlStore::create_user(std::string_view name, std::string_view role, bool builtin) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	if (!q("SELECT id FROM users WHERE name = ?", {name}).empty()) {
		throw Conflict("a user named '" + std::string(name) + "' exists already; pick another name");
	}
	std::string now = now_text();
	auto rows = q("INSERT INTO users (name, role, builtin, created_at) VALUES (?, ?, ?, ?) RETURNING id",
	              {name, role, int64_t(builtin), sv(now)});
	User created = user_locked(to_int(rows.at(0)[0]));
	tx.commit();
	return created;
}

User SqlStore::get_user(int64_t id) {
	std::lock_guard lock(mutex_);
	return user_locked(id);
}

std::optional<User> SqlStore::find_user(std::string_view name) {
	std::lock_guard lock(mutex_);
	std::string now = now_text();
	auto rows = q(std::string(USER_SELECT) + " WHERE u.name = ?", {sv(now), name});
	if (rows.empty()) {
		return std::nullopt;
	}
	return user_from(rows[0]);
}

std::vector<User> SqlStore::list_users() {
	std::lock_guard lock(mutex_);
	std::string now = now_text();
	std::vector<User> out;
	for (const auto &row : q(std::string(USER_SELECT) + " ORDER BY u.id", {sv(now)})) {
		out.push_back(user_from(row));
	}
	return out;
}

User SqlStore::set_user_role(int64_t id, std::string_view role) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	User current = user_locked(id);
	if (current.builtin) {
		throw Conflict("user " + current.name + " is the server's own; its role stays " + current.role);
	}
	if (current.role == "admin" && role != "admin") {
		keep_an_admin(id, "demoted");
	}
	q("UPDATE users SET role = ? WHERE id = ?", {role, id});
	User changed = user_locked(id);
	tx.commit();
	return changed;
}

void SqlStore::delete_user(int64_t id) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	User current = user_locked(id);
	if (current.builtin) {
		throw Conflict("user " + current.name +
		               " is the server's own (its jobs report with its token) and cannot "
		               "be deleted");
	}
	if (current.role == "admin") {
		keep_an_admin(id, "deleted");
	}
	q("DELETE FROM tokens WHERE user_id = ?", {id});
	q("DELETE FROM users WHERE id = ?", {id});
	tx.commit();
}

AuthToken SqlStore::create_token(int64_t user_id, std::string_view name, std::string_view hash,
                                 std::optional<std::string> expires_at) {
	std::lock_guard lock(mutex_);
	Transaction tx(*db_);
	user_locked(user_id);
	std::string now = now_text();
	SqlValue expires = expires_at ? SqlValue(std::string_view(*expires_at)) : SqlValue(nullptr);
	auto rows = q("INSERT INTO tokens (user_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) "
	              "RETURNING id",
	              {user_id, name, hash, sv(now), expires});
	auto created = q(std::string(TOKEN_SELECT) + " WHERE t.id = ?", {to_int(rows.at(0)[0])});
	tx.commit();
	return token_from(created.at(0));
}

std::optional<AuthToken> SqlStore::find_token_by_hash(std::string_view hash) {
	std::lock_guard lock(mutex_);
	auto rows = q(std::string(TOKEN_SELECT) + " WHERE t.hash = ?", {hash});
	if (rows.empty()) {
		return std::nullopt;
	}
	return token_from(rows[0]);
}

AuthToken SqlStore::get_token(int64_t id) {
	std::lock_guard lock(mutex_);
	auto rows = q(std::string(TOKEN_SELECT) + " WHERE t.id = ?", {id});
	if (rows.empty()) {
		throw NotFound(not_found("token", id));
	}
	return token_from(rows[0]);
}

std::vector<AuthToken> SqlStore::list_tokens() {
	std::lock_guard lock(mutex_);
	std::vector<AuthToken> out;
	for (const auto &row : q(std::string(TOKEN_SELECT) + " ORDER BY t.id", {})) {
		out.push_back(token_from(row));
	}
	return out;
}

AuthToken SqlStore::revoke_token(int64_t id) {
	std::lock_guard lock(mutex_);
	std::string now = now_text();
	q("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", {sv(now), id});
	auto rows = q(std::string(TOKEN_SELECT) + " WHERE t.id = ?", {id});
	if (rows.empty()) {
		throw NotFound(not_found("token", id));
	}
	return token_from(rows[0]);
}

void SqlStore::unrevoke_token(int64_t id) {
	std::lock_guard lock(mutex_);
	q("UPDATE tokens SET revoked_at = NULL WHERE id = ?", {id});
}

void SqlStore::touch_token(int64_t id, std::string_view at) {
	std::lock_guard lock(mutex_);
	q("UPDATE tokens SET last_used_at = ? WHERE id = ?", {at, id});
}

} // namespace kafkaml::store
