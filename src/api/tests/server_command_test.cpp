// `kafkaml server` as a user runs it: a real process on a free port, its
// printed URL, its token file, a mutating call with that token, and a clean
// exit on SIGTERM.

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Process {
	pid_t pid = -1;
	FILE *out = nullptr;
};

// Starts `kafkaml server ...` with stdout on a pipe.
Process start_server(const std::vector<std::string> &args) {
	const char *bin = std::getenv("KAFKAML_BIN");
	if (!bin) {
		throw std::runtime_error("KAFKAML_BIN is not set (run through ctest)");
	}
	int fds[2];
	if (::pipe(fds) != 0) {
		throw std::runtime_error("pipe failed");
	}
	pid_t pid = ::fork();
	if (pid == 0) {
		::dup2(fds[1], 1);
		::close(fds[0]);
		::close(fds[1]);
		std::vector<std::string> all = {bin, "server"};
		all.insert(all.end(), args.begin(), args.end());
		std::vector<char *> argv;
		for (auto &a : all) {
			argv.push_back(a.data());
		}
		argv.push_back(nullptr);
		::execv(bin, argv.data());
		::_exit(127);
	}
	::close(fds[1]);
	return {pid, ::fdopen(fds[0], "r")};
}

int wait_exit(pid_t pid, int seconds) {
	for (int i = 0; i < seconds * 10; i++) {
		int status = 0;
		if (::waitpid(pid, &status, WNOHANG) == pid) {
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		::usleep(100000);
	}
	::kill(pid, SIGKILL);
	::waitpid(pid, nullptr, 0);
	return -1;
}

std::string temp_dir() {
	std::string pattern = (std::filesystem::temp_directory_path() / "kafkaml-server-XXXXXX").string();
	if (!::mkdtemp(pattern.data())) {
		throw std::runtime_error("mkdtemp failed");
	}
	return pattern;
}

TEST(ServerCommand, PrintsUrlKeepsTokenServesAndStopsOnSigterm) {
	std::string dir = temp_dir();
	auto server = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
	char line[256] = {};
	ASSERT_TRUE(std::fgets(line, sizeof(line), server.out)) << "the server printed no URL";
	std::string url(line);
	url = url.substr(0, url.find('\n'));
	ASSERT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
	int port = std::stoi(url.substr(17));
	std::ifstream token_file(dir + "/data/admin-token");
	std::string token;
	token_file >> token;
	EXPECT_EQ(token.size(), 64u);
	EXPECT_EQ(std::filesystem::status(dir + "/data/admin-token").permissions() & std::filesystem::perms::others_read,
	          std::filesystem::perms::none);

	httplib::Client client("127.0.0.1", port);
	client.set_bearer_token_auth(token.c_str());
	auto created = client.Post(
	    "/api/v1/models",
	    R"json({"name": "m", "code": "model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])"})json",
	    "application/json");
	ASSERT_TRUE(created);
	EXPECT_EQ(created->status, 201) << created->body;
	EXPECT_TRUE(std::filesystem::exists(dir + "/data/kafkaml.db"));

	::kill(server.pid, SIGTERM);
	EXPECT_EQ(wait_exit(server.pid, 20), 0);
	std::fclose(server.out);

	// A restart keeps the token and the data.
	auto again = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
	ASSERT_TRUE(std::fgets(line, sizeof(line), again.out));
	port = std::stoi(std::string(line).substr(17));
	httplib::Client second("127.0.0.1", port);
	auto models = second.Get("/api/v1/models");
	ASSERT_TRUE(models);
	EXPECT_EQ(nlohmann::json::parse(models->body).size(), 1u);
	std::ifstream token_again(dir + "/data/admin-token");
	std::string token2;
	token_again >> token2;
	EXPECT_EQ(token2, token);
	::kill(again.pid, SIGTERM);
	EXPECT_EQ(wait_exit(again.pid, 20), 0);
	std::fclose(again.out);
	std::filesystem::remove_all(dir);
}

//! The whole of a file, as bytes.
std::string file_bytes(const std::string &path) {
	std::ifstream in(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

//! Starts the server and reads its URL line; the port, or -1 when it ended without one.
int started_port(Process &server) {
	char line[256] = {};
	if (!std::fgets(line, sizeof(line), server.out)) {
		return -1;
	}
	return std::stoi(std::string(line).substr(17));
}

void stop(Process &server) {
	::kill(server.pid, SIGTERM);
	EXPECT_EQ(wait_exit(server.pid, 20), 0);
	std::fclose(server.out);
}

// The admin token was readable by every local user: the token file was
// private, but the database (0644, in a 0755 directory) held the token
// itself.
TEST(ServerCommand, TheDataDirectoryIsPrivateAndTheStoreHoldsOnlyTheTokensHash) {
	namespace fs = std::filesystem;
	std::string dir = temp_dir();
	fs::create_directories(dir + "/data");
	fs::permissions(dir + "/data", fs::perms::all); // left open by someone: tightened at start
	auto server = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
	ASSERT_GT(started_port(server), 0);
	std::string token = file_bytes(dir + "/data/admin-token").substr(0, 64);
	ASSERT_EQ(token.size(), 64u);
	stop(server);

	auto others = fs::perms::group_all | fs::perms::others_all;
	EXPECT_EQ(fs::status(dir + "/data").permissions() & others, fs::perms::none);
	for (const auto &entry : fs::recursive_directory_iterator(dir + "/data")) {
		EXPECT_EQ(entry.status().permissions() & (fs::perms::group_write | fs::perms::others_all), fs::perms::none)
		    << entry.path();
	}
	for (const auto &entry : fs::directory_iterator(dir + "/data")) {
		if (entry.path().filename().string().starts_with("kafkaml.db")) {
			EXPECT_EQ(file_bytes(entry.path()).find(token), std::string::npos)
			    << entry.path() << " holds the admin token itself";
		}
	}

	// Without its token file the server does not start, and says what to do.
	fs::remove(dir + "/data/admin-token");
	auto lost = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
	EXPECT_EQ(started_port(lost), -1);
	EXPECT_EQ(wait_exit(lost.pid, 20), 1);
	std::fclose(lost.out);

	// --reset-admin-token makes a new one; the old one no longer works.
	auto reset = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data", "--reset-admin-token"});
	int port = started_port(reset);
	ASSERT_GT(port, 0);
	std::string fresh = file_bytes(dir + "/data/admin-token").substr(0, 64);
	EXPECT_NE(fresh, token);
	httplib::Client client("127.0.0.1", port);
	client.set_bearer_token_auth(token.c_str());
	auto refused = client.Post("/api/v1/models", "{}", "application/json");
	ASSERT_TRUE(refused);
	EXPECT_EQ(refused->status, 401);
	client.set_bearer_token_auth(fresh.c_str());
	auto accepted = client.Post("/api/v1/models", "{}", "application/json");
	ASSERT_TRUE(accepted);
	EXPECT_EQ(accepted->status, 400) << "past the token: the body is what is wrong";
	stop(reset);
	fs::remove_all(dir);
}

TEST(ServerCommand, BadStoreUrlFailsWithWhatToUse) {
	auto server = start_server({"--listen", "127.0.0.1:0", "--store", "mysql://nope"});
	char line[256] = {};
	EXPECT_FALSE(std::fgets(line, sizeof(line), server.out)) << "no URL printed: " << line;
	EXPECT_EQ(wait_exit(server.pid, 20), 1);
	std::fclose(server.out);
}

} // namespace
