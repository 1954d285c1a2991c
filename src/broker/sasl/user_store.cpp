#include "broker/sasl/user_store.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace kafkaml::broker::sasl {

using nlohmann::json;

UserStore::UserStore(std::filesystem::path data_dir) : path_(std::move(data_dir) / kFileName) {}

UserStore::Users UserStore::read() const {
	Users users;
	std::ifstream in(path_);
	if (!in) {
		if (errno == ENOENT) {
			return users;
		}
		throw std::runtime_error("cannot read " + path_.string() + ": " + std::strerror(errno));
	}
	json doc;
	try {
		doc = json::parse(in);
		for (const auto &[name, mechanisms] : doc.at("users").items()) {
			for (const auto &[mechanism, c] : mechanisms.items()) {
				Credential cred;
				cred.mechanism = mechanism;
				cred.salt = unbase64(c.at("salt").get<std::string>());
				cred.iterations = c.at("iterations").get<int32_t>();
				if (mechanism == "PLAIN") {
					cred.hash = unbase64(c.at("hash").get<std::string>());
				} else {
					cred.stored_key = unbase64(c.at("stored_key").get<std::string>());
					cred.server_key = unbase64(c.at("server_key").get<std::string>());
				}
				users[name][mechanism] = std::move(cred);
			}
		}
	} catch (const std::exception &e) {
		throw std::runtime_error(path_.string() + " is not a valid users file: " + e.what());
	}
	return users;
}

void UserStore::write(const Users &users) const {
	json all = json::object();
	for (const auto &[name, mechanisms] : users) {
		json entry = json::object();
		for (const auto &[mechanism, c] : mechanisms) {
			json cred = {{"salt", base64(c.salt)}, {"iterations", c.iterations}};
			if (mechanism == "PLAIN") {
				cred["algorithm"] = "PBKDF2-HMAC-SHA-256";
				cred["hash"] = base64(c.hash);
			} else {
				cred["stored_key"] = base64(c.stored_key);
				cred["server_key"] = base64(c.server_key);
			}
			entry[mechanism] = std::move(cred);
		}
		all[name] = std::move(entry);
	}
	std::string text = json{{"users", all}}.dump(1) + "\n";
	auto tmp = path_;
	tmp += ".tmp";
	int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
	}
	::fchmod(fd, 0600);
	size_t done = 0;
	while (done < text.size()) {
		ssize_t n = ::write(fd, text.data() + done, text.size() - done);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			int err = errno;
			::close(fd);
			throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(err));
		}
		done += static_cast<size_t>(n);
	}
	if (::fsync(fd) != 0 || ::close(fd) != 0) {
		throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
	}
	if (::rename(tmp.c_str(), path_.c_str()) != 0) {
		throw std::runtime_error("cannot replace " + path_.string() + ": " + std::strerror(errno));
	}
}

void UserStore::reload_if_changed() {
	struct stat st {};
	if (::stat(path_.c_str(), &st) != 0) {
		users_.clear();
		loaded_ = true;
		size_ = -1;
		return;
	}
	if (loaded_ && st.st_size == size_ && st.st_ino == inode_ && st.st_mtim.tv_sec == mtime_.tv_sec &&
	    st.st_mtim.tv_nsec == mtime_.tv_nsec) {
		return;
	}
	try {
		users_ = read();
		loaded_ = true;
		size_ = st.st_size;
		inode_ = st.st_ino;
		mtime_ = st.st_mtim;
	} catch (const std::exception &e) {
		spdlog::error("SASL users not reloaded: {}", e.what());
	}
}

std::optional<Credential> UserStore::find(const std::string &user, const std::string &mechanism) {
	reload_if_changed();
	auto it = users_.find(user);
	if (it == users_.end()) {
		return std::nullopt;
	}
	auto m = it->second.find(mechanism);
	if (m == it->second.end()) {
		return std::nullopt;
	}
	return m->second;
}

void UserStore::add(const std::string &user, const Credential &credential) {
	if (user.empty()) {
		throw std::runtime_error("the user name is empty");
	}
	auto users = read();
	users[user][credential.mechanism] = credential;
	write(users);
}

bool UserStore::remove(const std::string &user, const std::string &mechanism) {
	auto users = read();
	auto it = users.find(user);
	if (it == users.end()) {
		return false;
	}
	if (mechanism.empty()) {
		users.erase(it);
	} else {
		if (it->second.erase(mechanism) == 0) {
			return false;
		}
		if (it->second.empty()) {
			users.erase(it);
		}
	}
	write(users);
	return true;
}

std::vector<std::pair<std::string, std::vector<std::string>>> UserStore::list() {
	std::vector<std::pair<std::string, std::vector<std::string>>> out;
	for (const auto &[name, mechanisms] : read()) {
		std::vector<std::string> names;
		for (const auto &[mechanism, c] : mechanisms) {
			names.push_back(mechanism);
		}
		out.emplace_back(name, std::move(names));
	}
	return out;
}

} // namespace kafkaml::broker::sasl
