#include "common/private_files.h"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

namespace kafkaml {

void private_files_from_now_on() {
	::umask(077);
}

void make_private_directory(const std::filesystem::path &dir) {
	namespace fs = std::filesystem;
	fs::create_directories(dir);
	auto perms = fs::status(dir).permissions();
	auto others = fs::perms::group_all | fs::perms::others_all;
	if ((perms & others) != fs::perms::none) {
		fs::permissions(dir, others, fs::perm_options::remove);
		spdlog::info("{} was readable by other users; it is now its owner's only", dir.string());
	}
}

} // namespace kafkaml
