// The client subcommands as a user scripts them: a real broker and a real
// `kafkaml server` (child processes on free ports), and the CLI run as a child
// process with its stdout, stderr and exit status checked.

#include "client/api_client.h"
#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace {

using kafkaml::testing::ChildProcess;
using kafkaml::testing::kafkaml_command;
using kafkaml::testing::Output;
using kafkaml::testing::RunResult;
using nlohmann::json;

//! A long-running `kafkaml` child (broker or server) whose first stdout line is its
//! address; SIGTERM when the test ends.
struct Daemon {
	ChildProcess process;
	std::string first_line;

	explicit Daemon(const std::vector<std::string> &args) : process(kafkaml_command(args)) {
		first_line = process.first_line().value_or("");
	}
	~Daemon() { process.terminate(std::chrono::seconds(10)); }
};

class ClientCli : public ::testing::Test {
protected:
	void SetUp() override {
		broker = std::make_unique<Daemon>(
		    std::vector<std::string>{"broker", "--listen", "127.0.0.1:0", "--data-dir", dir + "/broker"});
		ASSERT_FALSE(broker->first_line.empty()) << "kafkaml broker printed no address";
		server = std::make_unique<Daemon>(std::vector<std::string>{"server", "--listen", "127.0.0.1:0",
		                                                           "--bootstrap-servers", broker->first_line,
		                                                           "--data-dir", dir + "/kafkaml-data"});
		ASSERT_TRUE(server->first_line.starts_with("http://"))
		    << "kafkaml server printed '" << server->first_line << "' instead of its URL";
		url = server->first_line;
	}
	void TearDown() override {
		server.reset();
		broker.reset();
	}

	//! Runs `kafkaml args...` in `dir` (so kafkaml-data/admin-token is found),
	//! or in `in`, with KAFKAML_SERVER set and KAFKAML_TOKEN unset.
	RunResult cli(const std::vector<std::string> &args, bool with_server = true, std::string in = {}) {
		auto options = kafkaml_command(args);
		options.working_dir = in.empty() ? dir : in;
		options.err = Output::capture();
		options.unset_env = {"KAFKAML_TOKEN"};
		if (with_server) {
			options.set_env = {{"KAFKAML_SERVER", url}};
		}
		return kafkaml::testing::run(std::move(options));
	}

	kafkaml::testing::TempDir temp{"client"};
	std::string dir = temp.string(), url;
	std::unique_ptr<Daemon> broker, server;
};

const char *hcopd_model = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

TEST_F(ClientCli, ModelConfigurationDeployListAndGet) {
	std::string model = temp.write("model.py", hcopd_model);
	RunResult created = cli({"models", "create", "--name", "hcopd", "--file", model, "--description", "paper"});
	ASSERT_EQ(created.status, 0) << created.err;
	EXPECT_EQ(created.out, "created model 1 (hcopd)\n");
	ASSERT_EQ(cli({"models", "create", "--name", "second", "--file", model}).status, 0);

	RunResult list = cli({"models", "list"});
	ASSERT_EQ(list.status, 0) << list.err;
	EXPECT_TRUE(list.out.starts_with("ID  NAME    CREATED")) << list.out;
	EXPECT_NE(list.out.find("1   hcopd"), std::string::npos) << list.out;
	EXPECT_NE(list.out.find("2   second"), std::string::npos) << list.out;

	RunResult as_json = cli({"models", "get", "1", "--json"});
	ASSERT_EQ(as_json.status, 0) << as_json.err;
	EXPECT_EQ(json::parse(as_json.out)["code"], hcopd_model);

	RunResult config = cli({"configurations", "create", "--name", "both", "--models", "1,2"});
	ASSERT_EQ(config.status, 0) << config.err;
	EXPECT_EQ(config.out, "created configuration 1 (both)\n");

	// The original's distributed sub-models: a top one, and one below it.
	std::string cloud = temp.write("cloud.py", R"(cloud_input = keras.Input(shape=4)
cloud_output = tf.keras.layers.Dense(2, activation='softmax')(cloud_input)
cloud_model = keras.Model(inputs=cloud_input, outputs=[cloud_output])
)");
	std::string edge = temp.write("edge.py", R"(edge_input = keras.Input(shape=(3,))
to_cloud = tf.keras.layers.Dense(4, activation='relu')(edge_input)
edge_output = tf.keras.layers.Dense(2, activation='softmax')(to_cloud)
edge_model = keras.Model(inputs=[edge_input], outputs=[to_cloud, edge_output])
)");
	ASSERT_EQ(cli({"models", "create", "--name", "cloud", "--file", cloud, "--distributed"}).status, 0);
	RunResult below = cli({"models", "create", "--name", "edge", "--file", edge, "--father", "3"});
	EXPECT_EQ(below.status, 2) << below.err;
	EXPECT_NE(below.err.find("add --distributed"), std::string::npos) << below.err;
	below = cli({"models", "create", "--name", "edge", "--file", edge, "--distributed", "--father", "3"});
	ASSERT_EQ(below.status, 0) << below.err;
	RunResult shown = cli({"models", "get", "4"});
	EXPECT_NE(shown.out.find("father: 3"), std::string::npos) << shown.out;
	EXPECT_NE(shown.out.find("distributed: true"), std::string::npos) << shown.out;

	RunResult deploy = cli(
	    {"deploy", "1", "--batch", "10", "--kwargs-fit", "epochs=1000, steps_per_epoch=22, shuffle=True", "--json"});
	ASSERT_EQ(deploy.status, 0) << deploy.err;
	json deployment = json::parse(deploy.out);
	EXPECT_EQ(deployment["batch"], 10);
	EXPECT_EQ(deployment["kwargs_fit_parsed"]["epochs"], 1000);
	EXPECT_EQ(deployment["kwargs_fit_parsed"]["shuffle"], true);
	ASSERT_EQ(deployment["results"].size(), 2u);

	// The first result trains three epochs, as its job would report them.
	std::string id = deployment["results"][0]["id"].dump();
	kafkaml::client::ApiClient job(url, kafkaml::testing::read_file(dir + "/kafkaml-data/admin-token").substr(0, 64));
	job.post("/results/" + id + "/status", {{"status", "running"}});
	for (int epoch = 1; epoch <= 3; epoch++) {
		job.post("/results/" + id + "/epochs", {{"epoch", epoch}, {"metrics", {{"loss", 1.0 / epoch}}}});
	}

	RunResult results = cli({"results", "list", "--deployment", "1"});
	ASSERT_EQ(results.status, 0) << results.err;
	EXPECT_TRUE(results.out.starts_with("ID  DEPLOYMENT  MODEL  STATUS    EPOCH")) << results.out;
	EXPECT_NE(results.out.find("running   3 "), std::string::npos) << "the last epoch: " << results.out;
	EXPECT_EQ(std::count(results.out.begin(), results.out.end(), '\n'), 3) << results.out;
	RunResult summary = cli({"results", "get", id});
	ASSERT_EQ(summary.status, 0) << summary.err;
	EXPECT_NE(summary.out.find("epochs run: 3\n"), std::string::npos) << summary.out;
	EXPECT_NE(summary.out.find("\n3      0.3333\n"), std::string::npos) << summary.out;

	RunResult result = cli({"results", "get", id, "--json"});
	ASSERT_EQ(result.status, 0) << result.err;
	EXPECT_EQ(json::parse(result.out)["deployment"], 1);

	RunResult stop = cli({"results", "stop", id});
	ASSERT_EQ(stop.status, 0) << stop.err;
	EXPECT_EQ(stop.out, "result " + id + " is stopped\n");
	// Watching a stopped result ends at once with status 1 (not finished).
	RunResult watch = cli({"results", "watch", id});
	EXPECT_EQ(watch.status, 1) << watch.err;
	EXPECT_NE(watch.out.find("result " + id + "  stopped"), std::string::npos) << watch.out;

	RunResult deleted = cli({"results", "delete", id});
	ASSERT_EQ(deleted.status, 0) << deleted.err;
	EXPECT_EQ(deleted.out, "deleted result " + id + "\n");
	RunResult active = cli({"deployments", "delete", "1"});
	EXPECT_EQ(active.status, 1);
	EXPECT_NE(active.err.find("stop the deployment first"), std::string::npos) << active.err;
	ASSERT_EQ(cli({"deployments", "stop", "1"}).status, 0);
	RunResult gone = cli({"deployments", "delete", "1"});
	ASSERT_EQ(gone.status, 0) << gone.err;
	EXPECT_EQ(gone.out, "deleted deployment 1\n");
	RunResult no_inference = cli({"inferences", "delete", "7"});
	EXPECT_EQ(no_inference.status, 1);
	EXPECT_NE(no_inference.err.find("inference 7 does not exist"), std::string::npos) << no_inference.err;
}

TEST_F(ClientCli, DeployTellsHowToSendItsStreamAndAModelAppearsOnce) {
	std::string model = temp.write("model.py", hcopd_model);
	ASSERT_EQ(cli({"models", "create", "--name", "hcopd", "--file", model}).status, 0);
	RunResult twice = cli({"configurations", "create", "--name", "twice", "--models", "1,1"});
	EXPECT_EQ(twice.status, 1);
	EXPECT_NE(twice.err.find("names model 1 twice"), std::string::npos) << twice.err;
	ASSERT_EQ(cli({"configurations", "create", "--name", "once", "--models", "1"}).status, 0);
	RunResult deploy = cli({"deploy", "1"});
	ASSERT_EQ(deploy.status, 0) << deploy.err;
	EXPECT_NE(deploy.out.find("kafkaml send ... --deployment-id 1`"), std::string::npos) << deploy.out;
	// From a directory below the one holding kafkaml-data, as in examples/hcopd.
	std::filesystem::create_directories(dir + "/examples/hcopd");
	std::string below = dir + "/examples/hcopd";
	RunResult from_below = cli({"deployments", "stop", "1"}, true, below);
	EXPECT_EQ(from_below.status, 0) << "the admin token is found in a parent directory: " << from_below.err;
}

TEST_F(ClientCli, ModelWithSyntaxErrorNamesLineAndColumn) {
	std::string model = temp.write("bad.py", "model = tf.keras.Sequential([\n    tf.keras.layers.Dense(4,, )\n])\n");
	RunResult run = cli({"models", "create", "--name", "bad", "--file", model});
	EXPECT_EQ(run.status, 1);
	EXPECT_TRUE(run.err.starts_with("error: ")) << run.err;
	EXPECT_NE(run.err.find("line 2"), std::string::npos) << run.err;
	EXPECT_NE(run.err.find("column"), std::string::npos) << run.err;
	EXPECT_EQ(cli({"models", "list", "--json"}).out, "[]\n");
}

TEST_F(ClientCli, APretrainedBasesWeightsFileIsUploadedWithTheModelOrAfter) {
	std::string transfer = temp.write("transfer.py", "import tensorflow as tf\n"
	                                                 "base = tf.keras.applications.VGG16(include_top=False, "
	                                                 "weights='imagenet', input_shape=(32, 32, 3))\n"
	                                                 "x = tf.keras.layers.Flatten()(base.output)\n"
	                                                 "model = tf.keras.Model(base.input, tf.keras.layers.Dense(2)(x))\n"
	                                                 "model.compile(optimizer='adam', loss='mse')\n");
	// The server checks the HDF5 signature only; the training job reads the rest.
	std::string weights = temp.write("base.h5", std::string("\x89HDF\r\n\x1a\n", 8) + "the weights.");
	ASSERT_EQ(cli({"models", "create", "--name", "transfer", "--file", transfer}).status, 0);
	ASSERT_EQ(cli({"configurations", "create", "--name", "c", "--models", "1"}).status, 0);
	RunResult refused = cli({"deploy", "1"});
	EXPECT_EQ(refused.status, 1);
	EXPECT_NE(refused.err.find("has no weights file yet"), std::string::npos) << refused.err;
	EXPECT_NE(refused.err.find("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"), std::string::npos) << refused.err;
	EXPECT_NE(refused.err.find("kafkaml models weights ID FILE"), std::string::npos) << refused.err;

	RunResult uploaded = cli({"models", "weights", "1", weights});
	EXPECT_EQ(uploaded.status, 0) << uploaded.err;
	EXPECT_EQ(uploaded.out, "uploaded 20 bytes of weights to model 1 (transfer)\n");

	RunResult with_weights = cli({"models", "create", "--name", "at once", "--file", transfer, "--weights", weights});
	EXPECT_EQ(with_weights.status, 0) << with_weights.err;
	EXPECT_EQ(json::parse(cli({"models", "get", "2", "--json"}).out)["weights_size"], 20);

	// A model that takes no weights file refuses one, and is not left behind.
	std::string plain =
	    temp.write("plain.py", "model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])\n");
	RunResult takes_none = cli({"models", "create", "--name", "plain", "--file", plain, "--weights", weights});
	EXPECT_EQ(takes_none.status, 1);
	EXPECT_NE(takes_none.err.find("takes no weights file"), std::string::npos) << takes_none.err;
	EXPECT_EQ(json::parse(cli({"models", "list", "--json"}).out).size(), 2u);
}

TEST_F(ClientCli, ErrorPaths) {
	RunResult unknown = cli({"models", "get", "42"});
	EXPECT_EQ(unknown.status, 1);
	EXPECT_NE(unknown.err.find("42"), std::string::npos) << unknown.err;

	RunResult too_many = cli({"inferences", "create", "--result", "1", "--replicas", "1000", "--input-topic", "in",
	                          "--output-topic", "out"});
	EXPECT_EQ(too_many.status, 1);
	EXPECT_NE(too_many.err.find("between 1 and 64"), std::string::npos) << too_many.err;

	RunResult unknown_cluster = cli({"inferences", "create", "--result", "1", "--input-topic", "in", "--output-topic",
	                                 "out", "--output-kafka-broker", "cloud"});
	EXPECT_EQ(unknown_cluster.status, 1);
	EXPECT_NE(unknown_cluster.err.find("\"output_kafka_broker\" must name a Kafka cluster this server configures "
	                                   "(default;"),
	          std::string::npos)
	    << unknown_cluster.err;
	RunResult clusters = cli({"inferences", "clusters"});
	ASSERT_EQ(clusters.status, 0) << clusters.err;
	EXPECT_NE(clusters.out.find("NAME"), std::string::npos) << clusters.out;
	EXPECT_NE(clusters.out.find("default"), std::string::npos) << clusters.out;
	EXPECT_NE(clusters.out.find("plaintext"), std::string::npos) << clusters.out;

	RunResult bad_version = cli({"inferences", "version", "1", "newest"});
	EXPECT_EQ(bad_version.status, 2);
	EXPECT_NE(bad_version.err.find("\"latest\" or a version's number"), std::string::npos) << bad_version.err;
	RunResult zero_version = cli({"inferences", "create", "--result", "1", "--input-topic", "in", "--output-topic",
	                              "out", "--model-version", "0"});
	EXPECT_EQ(zero_version.status, 2) << zero_version.err;
	RunResult no_inference = cli({"inferences", "version", "42", "latest"});
	EXPECT_EQ(no_inference.status, 1);
	EXPECT_NE(no_inference.err.find("inference 42"), std::string::npos) << no_inference.err;

	std::filesystem::remove(dir + "/kafkaml-data/admin-token");
	RunResult no_token = cli({"configurations", "create", "--name", "x", "--models", "1"});
	EXPECT_EQ(no_token.status, 1);
	EXPECT_NE(no_token.err.find("KAFKAML_TOKEN"), std::string::npos) << no_token.err;

	RunResult bad_kwargs = cli({"deploy", "1", "--kwargs-fit", "epochs"});
	EXPECT_EQ(bad_kwargs.status, 2);
	EXPECT_NE(bad_kwargs.err.find("--kwargs-fit"), std::string::npos) << bad_kwargs.err;

	RunResult unreachable = cli({"models", "list", "--server", "http://127.0.0.1:1"});
	EXPECT_EQ(unreachable.status, 1);
	EXPECT_NE(unreachable.err.find("cannot reach"), std::string::npos) << unreachable.err;
}

TEST_F(ClientCli, DeployTakesTheTrainingModeAndItsParameters) {
	std::string model = temp.write("model.py", hcopd_model);
	ASSERT_EQ(cli({"models", "create", "--name", "hcopd", "--file", model}).status, 0);
	ASSERT_EQ(cli({"configurations", "create", "--name", "c", "--models", "1"}).status, 0);

	RunResult batch = cli({"deploy", "1", "--json"});
	ASSERT_EQ(batch.status, 0) << batch.err;
	json defaults = json::parse(batch.out);
	EXPECT_EQ(defaults["mode"], "batch");
	EXPECT_EQ(defaults["stream_timeout"], 60000) << "the original's default";
	EXPECT_EQ(defaults["improvement"], 0.05);
	EXPECT_TRUE(defaults["version_every_records"].is_null());

	RunResult indefinite = cli({"deploy", "1", "--mode", "indefinite", "--stream-timeout", "5000", "--window-size",
	                            "64", "--monitoring-metric", "accuracy", "--change", "up", "--improvement", "0.1",
	                            "--version-every-records", "500", "--json"});
	ASSERT_EQ(indefinite.status, 0) << indefinite.err;
	json created = json::parse(indefinite.out);
	RunResult stored = cli({"deployments", "get", created["id"].dump(), "--json"});
	ASSERT_EQ(stored.status, 0) << stored.err;
	json deployment = json::parse(stored.out);
	EXPECT_EQ(deployment["mode"], "indefinite");
	EXPECT_EQ(deployment["stream_timeout"], 5000);
	EXPECT_EQ(deployment["window_size"], 64);
	EXPECT_EQ(deployment["monitoring_metric"], "accuracy");
	EXPECT_EQ(deployment["change"], "up");
	EXPECT_EQ(deployment["improvement"], 0.1);
	EXPECT_EQ(deployment["version_every_records"], 500);
	EXPECT_EQ(deployment["drift_detection"], true) << "on by default";
	EXPECT_EQ(deployment["drift_response"], "none");

	RunResult drifting = cli({"deploy", "1", "--mode", "incremental", "--drift-threshold", "40", "--drift-delta",
	                          "0.01", "--drift-response", "boost_learning_rate", "--json"});
	ASSERT_EQ(drifting.status, 0) << drifting.err;
	json detector = json::parse(drifting.out);
	EXPECT_EQ(detector["drift_threshold"], 40.0);
	EXPECT_EQ(detector["drift_delta"], 0.01);
	EXPECT_EQ(detector["drift_response"], "boost_learning_rate");
	RunResult undetected = cli({"deploy", "1", "--mode", "incremental", "--drift-detection", "false", "--json"});
	ASSERT_EQ(undetected.status, 0) << undetected.err;
	EXPECT_EQ(json::parse(undetected.out)["drift_detection"], false);
	RunResult unknown_response = cli({"deploy", "1", "--mode", "incremental", "--drift-response", "retrain"});
	EXPECT_EQ(unknown_response.status, 2);
	EXPECT_NE(unknown_response.err.find("--drift-response"), std::string::npos) << unknown_response.err;
	RunResult no_threshold = cli({"deploy", "1", "--mode", "incremental", "--drift-threshold", "0"});
	EXPECT_EQ(no_threshold.status, 1);
	EXPECT_NE(no_threshold.err.find("drift_threshold"), std::string::npos) << no_threshold.err;

	// Refused by the options before any call, and by the server with its reason.
	RunResult unknown_mode = cli({"deploy", "1", "--mode", "nightly"});
	EXPECT_EQ(unknown_mode.status, 2);
	EXPECT_NE(unknown_mode.err.find("--mode"), std::string::npos) << unknown_mode.err;
	RunResult no_window = cli({"deploy", "1", "--mode", "incremental", "--window-size", "0"});
	EXPECT_EQ(no_window.status, 1);
	EXPECT_NE(no_window.err.find("window_size"), std::string::npos) << no_window.err;
}

TEST_F(ClientCli, DeployAndInferencesCreateTakeTheContainersCpuAndMemory) {
	std::string model = temp.write("model.py", hcopd_model);
	ASSERT_EQ(cli({"models", "create", "--name", "hcopd", "--file", model}).status, 0);
	ASSERT_EQ(cli({"configurations", "create", "--name", "c", "--models", "1"}).status, 0);

	RunResult limited = cli({"deploy", "1", "--mode", "indefinite", "--cpu", "1.5", "--memory", "512Mi", "--json"});
	ASSERT_EQ(limited.status, 0) << limited.err;
	json deployment = json::parse(limited.out);
	EXPECT_EQ(deployment["resources"], json::parse(R"({"cpu": 1.5, "memory": "512Mi"})"));
	RunResult listed = cli({"deployments", "list"});
	ASSERT_EQ(listed.status, 0) << listed.err;
	EXPECT_NE(listed.out.find("cpu 1.5, memory 512Mi"), std::string::npos) << listed.out;
	RunResult unlimited = cli({"deploy", "1", "--json"});
	ASSERT_EQ(unlimited.status, 0) << unlimited.err;
	EXPECT_EQ(json::parse(unlimited.out)["resources"], json::object());

	// An indefinite training's result serves while it trains: its replicas
	// may be limited too. Bytes without a suffix are taken as they are.
	auto result = deployment["results"][0]["id"].dump();
	RunResult inference = cli({"inferences", "create", "--result", result, "--input-topic", "in", "--output-topic",
	                           "out", "--input-format", "RAW", "--input-config",
	                           R"({"data_type": "float32", "data_reshape": "3"})", "--memory", "268435456", "--json"});
	ASSERT_EQ(inference.status, 0) << inference.err;
	EXPECT_EQ(json::parse(inference.out)["resources"], json::parse(R"({"memory": "256Mi"})"));
	RunResult inferences = cli({"inferences", "list"});
	ASSERT_EQ(inferences.status, 0) << inferences.err;
	EXPECT_NE(inferences.out.find("memory 256Mi"), std::string::npos) << inferences.out;
	cli({"inferences", "stop", json::parse(inference.out)["id"].dump()});

	// Refused by the server, which says why.
	RunResult tiny = cli({"deploy", "1", "--memory", "1Mi"});
	EXPECT_EQ(tiny.status, 1);
	EXPECT_NE(tiny.err.find("at least 6Mi"), std::string::npos) << tiny.err;
	RunResult no_cpu = cli({"deploy", "1", "--cpu", "0"});
	EXPECT_EQ(no_cpu.status, 1);
	EXPECT_NE(no_cpu.err.find("cpu"), std::string::npos) << no_cpu.err;
	RunResult not_a_number = cli({"deploy", "1", "--cpu", "many"});
	EXPECT_EQ(not_a_number.status, 2);
	EXPECT_NE(not_a_number.err.find("--cpu"), std::string::npos) << not_a_number.err;
}

TEST_F(ClientCli, UsersTokensAuditAndWhoami) {
	RunResult me = cli({"whoami"});
	ASSERT_EQ(me.status, 0) << me.err;
	EXPECT_EQ(me.out, "admin (role admin), token 1 \"admin-token\"\n");

	RunResult added = cli({"users", "add", "vic", "--role", "viewer"});
	ASSERT_EQ(added.status, 0) << added.err;
	EXPECT_NE(added.out.find("added user vic"), std::string::npos) << added.out;
	RunResult created = cli({"tokens", "create", "--user", "vic", "--name", "ci", "--expires-in-days", "7"});
	ASSERT_EQ(created.status, 0) << created.err;
	std::string token = created.out.substr(0, created.out.find('\n'));
	EXPECT_EQ(token.size(), 64u) << created.out;
	EXPECT_NE(created.err.find("will not be shown again"), std::string::npos) << created.err;

	RunResult as_vic = cli({"whoami", "--token", token});
	ASSERT_EQ(as_vic.status, 0) << as_vic.err;
	EXPECT_TRUE(as_vic.out.starts_with("vic (role viewer), token")) << as_vic.out;
	EXPECT_EQ(cli({"models", "list", "--token", token}).status, 0) << "a viewer reads";
	RunResult refused = cli({"users", "list", "--token", token});
	EXPECT_EQ(refused.status, 1);
	EXPECT_NE(refused.err.find("needs the role admin"), std::string::npos) << refused.err;

	ASSERT_EQ(cli({"users", "set-role", "vic", "operator"}).status, 0);
	RunResult users = cli({"users", "list"});
	ASSERT_EQ(users.status, 0) << users.err;
	EXPECT_NE(users.out.find("vic    operator  1"), std::string::npos) << users.out;
	RunResult tokens = cli({"tokens", "list"});
	ASSERT_EQ(tokens.status, 0) << tokens.err;
	EXPECT_EQ(tokens.out.find(token), std::string::npos) << "the secret is never listed";
	EXPECT_NE(tokens.out.find("ci "), std::string::npos) << tokens.out;

	RunResult audit = cli({"audit", "--limit", "5"});
	ASSERT_EQ(audit.status, 0) << audit.err;
	EXPECT_NE(audit.out.find("PUT     /api/v1/users/"), std::string::npos) << audit.out;
	EXPECT_NE(audit.out.find("403"), std::string::npos) << audit.out;

	ASSERT_EQ(cli({"tokens", "revoke", "3"}).status, 0);
	RunResult revoked = cli({"whoami", "--token", token});
	EXPECT_EQ(revoked.status, 1);
	EXPECT_NE(revoked.err.find("revoked"), std::string::npos) << revoked.err;
	RunResult last = cli({"users", "remove", "admin"});
	EXPECT_EQ(last.status, 1);
	EXPECT_NE(last.err.find("last admin"), std::string::npos) << last.err;
	ASSERT_EQ(cli({"users", "remove", "vic"}).status, 0);
}

} // namespace
