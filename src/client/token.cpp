#include "client/token.h"

#include <fstream>
#include <sstream>

namespace kafkaml::client {

static std::string trim(std::string text) {
	const char *space = " \t\r\n";
	size_t begin = text.find_first_not_of(space);
	if (begin == std::string::npos) {
		return "";
	}
	size_t end = text.find_last_not_of(space);
	return text.substr(begin, end - begin + 1);
}

std::string resolve_token(const std::optional<std::string> &flag, const char *env, const std::string &data_dir,
                          const std::filesystem::path &from) {
	if (flag && !trim(*flag).empty()) {
		return trim(*flag);
	}
	if (env && !trim(env).empty()) {
		return trim(env);
	}
	std::filesystem::path relative = std::filesystem::path(data_dir) / "admin-token";
	for (auto dir = from;; dir = dir.parent_path()) {
		std::ifstream file(relative.is_absolute() ? relative : dir / relative);
		if (file) {
			std::ostringstream content;
			content << file.rdbuf();
			return trim(content.str());
		}
		if (relative.is_absolute() || dir == dir.parent_path() || dir.empty()) {
			return "";
		}
	}
}

} // namespace kafkaml::client
