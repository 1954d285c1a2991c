// `kafkaml server` as a user runs it: a real process on a free port, its
// printed URL, its token file, a mutating call with that token, and a clean
// exit on SIGTERM.

#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/network.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

namespace {

using namespace std::chrono_literals;
using kafkaml::testing::ChildProcess;
using kafkaml::testing::read_file;
using kafkaml::testing::TempDir;

// Starts `kafkaml server ...` with stdout captured.
std::unique_ptr<ChildProcess> start_server(const std::vector<std::string> &args) {
	std::vector<std::string> all = {"server"};
	all.insert(all.end(), args.begin(), args.end());
	return std::make_unique<ChildProcess>(kafkaml::testing::kafkaml_command(all));
}

TEST(ServerCommand, PrintsUrlKeepsTokenServesAndStopsOnSigterm) {
	TempDir temp("server");
	std::string dir = temp.string();
	auto server = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
	auto url = server->first_line();
	ASSERT_TRUE(url) << "the server printed no URL";
	ASSERT_TRUE(url->starts_with("http://127.0.0.1:")) << *url;
	int port = std::stoi(url->substr(17));
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

	EXPECT_EQ(server->terminate(20s), 0);

	// A restart keeps the token and the data.
	auto again = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
	auto line = again->first_line();
	ASSERT_TRUE(line);
	port = std::stoi(line->substr(17));
	httplib::Client second("127.0.0.1", port);
	EXPECT_EQ(second.Get("/api/v1/models")->status, 401) << "reading needs a token";
	second.set_bearer_token_auth(token.c_str());
	auto models = second.Get("/api/v1/models");
	ASSERT_TRUE(models);
	EXPECT_EQ(nlohmann::json::parse(models->body).size(), 1u);
	std::ifstream token_again(dir + "/data/admin-token");
	std::string token2;
	token_again >> token2;
	EXPECT_EQ(token2, token);
	EXPECT_EQ(again->terminate(20s), 0);
}

//! Reads the server's URL line; the port, or -1 when it ended without one.
int started_port(ChildProcess &server) {
	auto line = server.first_line();
	return line ? std::stoi(line->substr(17)) : -1;
}

void stop(ChildProcess &server) {
	EXPECT_EQ(server.terminate(20s), 0);
}

// The admin token was readable by every local user: the token file was
// private, but the database (0644, in a 0755 directory) held the token
// itself.
TEST(ServerCommand, TheDataDirectoryIsPrivateAndTheStoreHoldsOnlyTheTokensHash) {
	namespace fs = std::filesystem;
	TempDir temp("server");
	std::string dir = temp.string();
	fs::create_directories(dir + "/data");
	fs::permissions(dir + "/data", fs::perms::all); // left open by someone: tightened at start
	auto server = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
	ASSERT_GT(started_port(*server), 0);
	std::string token = read_file(dir + "/data/admin-token").substr(0, 64);
	ASSERT_EQ(token.size(), 64u);
	stop(*server);

	auto others = fs::perms::group_all | fs::perms::others_all;
	EXPECT_EQ(fs::status(dir + "/data").permissions() & others, fs::perms::none);
	for (const auto &entry : fs::recursive_directory_iterator(dir + "/data")) {
		EXPECT_EQ(entry.status().permissions() & (fs::perms::group_write | fs::perms::others_all), fs::perms::none)
		    << entry.path();
	}
	for (const auto &entry : fs::directory_iterator(dir + "/data")) {
		if (entry.path().filename().string().starts_with("kafkaml.db")) {
			EXPECT_EQ(read_file(entry.path()).find(token), std::string::npos)
			    << entry.path() << " holds the admin token itself";
		}
	}

	// Without its token file the server does not start, and says what to do.
	fs::remove(dir + "/data/admin-token");
	auto lost = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
	EXPECT_EQ(started_port(*lost), -1);
	EXPECT_EQ(lost->wait(20s), 1);

	// --reset-admin-token makes a new one; the old one no longer works.
	auto reset = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data", "--reset-admin-token"});
	int port = started_port(*reset);
	ASSERT_GT(port, 0);
	std::string fresh = read_file(dir + "/data/admin-token").substr(0, 64);
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
	stop(*reset);
}

// Another host name is refused until --allowed-hosts names it; --metrics-listen
// serves /metrics without a token; the scrape token file is private.
TEST(ServerCommand, AllowedHostsAndMetricsListen) {
	TempDir temp("server");
	std::string dir = temp.string();
	int metrics_port = kafkaml::testing::free_port();
	auto server = start_server({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data", "--allowed-hosts",
	                            "kafkaml.internal,other.internal", "--metrics-listen",
	                            "127.0.0.1:" + std::to_string(metrics_port)});
	int port = started_port(*server);
	ASSERT_GT(port, 0);
	std::string token = read_file(dir + "/data/admin-token").substr(0, 64);
	std::string scrape = read_file(dir + "/data/metrics-token").substr(0, 64);
	EXPECT_EQ(scrape.size(), 64u);
	EXPECT_EQ(std::filesystem::status(dir + "/data/metrics-token").permissions() &
	              (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
	          std::filesystem::perms::none);
	httplib::Client client("127.0.0.1", port);
	auto health = client.Get("/api/v1/health");
	ASSERT_TRUE(health);
	// Alone on its SQLite store, the server holds the orchestrator's lease.
	auto said = nlohmann::json::parse(health->body);
	EXPECT_EQ(said.value("status", ""), "ok");
	EXPECT_EQ(said["orchestrator"].value("leader", false), true) << health->body;
	EXPECT_EQ(said["orchestrator"].value("leader_url", ""), "http://127.0.0.1:" + std::to_string(port));
	EXPECT_EQ(said["orchestrator"].value("term", 0), 1);
	auto rebound = client.Get("/api/v1/models", {{"Authorization", "Bearer " + token}, {"Host", "evil.example"}});
	EXPECT_EQ(rebound->status, 421) << rebound->body;
	auto named = client.Get("/api/v1/models", {{"Authorization", "Bearer " + token}, {"Host", "other.internal:80"}});
	EXPECT_EQ(named->status, 200) << named->body;
	EXPECT_EQ(client.Get("/metrics")->status, 401);
	EXPECT_EQ(client.Get("/metrics", {{"Authorization", "Bearer " + scrape}})->status, 200);
	httplib::Client metrics("127.0.0.1", metrics_port);
	auto open = metrics.Get("/metrics");
	ASSERT_TRUE(open) << "nothing on --metrics-listen";
	EXPECT_EQ(open->status, 200);
	EXPECT_NE(open->body.find("kafkaml_"), std::string::npos);
	EXPECT_NE(open->body.find("\nkafkaml_orchestrator_leader 1\n"), std::string::npos) << open->body;
	stop(*server);
}

TEST(ServerCommand, BadStoreUrlFailsWithWhatToUse) {
	auto server = start_server({"--listen", "127.0.0.1:0", "--store", "mysql://nope"});
	auto line = server->first_line();
	EXPECT_FALSE(line) << "no URL printed: " << line.value_or("");
	EXPECT_EQ(server->wait(20s), 1);
}

} // namespace
