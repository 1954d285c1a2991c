#pragma once

#include "broker/sasl/credentials.h"

#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace kafkaml::broker::sasl {

//! SASL users of a broker: DATA_DIR/sasl-users.json, mode 0600, replaced
//! atomically (temp file + rename) on every change, holding only derived
//! keys (see Credential). `kafkaml broker users` edits it; a running broker
//! notices a change (mtime or size) at the next authentication, so users
//! take effect without a restart.
//!
//! Threading: one object per thread. The broker's lives on the network
//! thread; edits from other processes reach it through the file alone.
class UserStore {
public:
	static constexpr const char *kFileName = "sasl-users.json";

	explicit UserStore(std::filesystem::path data_dir);

	//! The user's credential for `mechanism`, re-reading the file first when
	//! it changed; nullopt when there is none. A file that cannot be read
	//! keeps the users last read (with an error in the log).
	std::optional<Credential> find(const std::string &user, const std::string &mechanism);

	// Edits, each a read-modify-replace of the file (throw std::runtime_error).
	void add(const std::string &user, const Credential &credential);
	//! Removes one mechanism of the user, or all when `mechanism` is empty;
	//! false when there was nothing to remove.
	bool remove(const std::string &user, const std::string &mechanism);
	//! Names and their mechanisms, sorted by name.
	std::vector<std::pair<std::string, std::vector<std::string>>> list();

private:
	using Users = std::map<std::string, std::map<std::string, Credential>>;
	Users read() const;
	void write(const Users &users) const;
	void reload_if_changed();

	std::filesystem::path path_;
	Users users_;
	bool loaded_ = false;
	timespec mtime_{};
	off_t size_ = -1;
	ino_t inode_ = 0;
};

} // namespace kafkaml::broker::sasl
