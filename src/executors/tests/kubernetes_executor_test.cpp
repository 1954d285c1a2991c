#include "executors/kubernetes_executor.h"

#include "executors/tests/executor_test_support.h"
#include "executors/tests/fake_kubernetes.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace kafkaml::executors {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeKubernetes;

constexpr const char *kApiToken = "api-server-token";

//! The executor against the fake API server; the store is a real one.
class KubernetesExecutorTest : public ::testing::Test {
protected:
	void SetUp() override {
		db = store::open_store("sqlite:" + dir.string() + "/kafkaml.db");
		dir.write("kafka.properties", "sasl.password=kafka-secret-password\n");
		jobs.kafkaml_binary = "/usr/local/bin/kafkaml";
		jobs.server_url = "http://kafkaml:8000";
		jobs.token = "the-jobs-token-0123456789";
		jobs.bootstrap_servers = "kafka:9092";
		jobs.kafka_config_file = (dir / "kafka.properties").string();
		jobs.kafka_config_digest = "digest-of-the-settings";
		// A second cluster, where an early-exit chain's later stage reads.
		dir.write("edge.properties", "sasl.password=edge-secret-password\n");
		jobs.kafka_clusters["edge"] = {"edge:9092", (dir / "edge.properties").string(), "digest-of-edge"};
		jobs.extra_args = {"--log-level", "info"};
		jobs.restart_policy.crash_loop_limit = 3;
		config.credentials.server = api.url();
		config.credentials.token = kApiToken;
		config.image = "kafkaml:test";
		config.poll_interval = 20ms;
	}

	std::unique_ptr<KubernetesExecutor> make() {
		auto executor = std::make_unique<KubernetesExecutor>(*db, jobs, config);
		executor->recover();
		return executor;
	}

	store::Inference stored_inference(int64_t replicas) {
		auto trained = testing::stored_result(*db, store::ResultStatus::Finished);
		store::Inference inference;
		inference.model_result = trained.id;
		inference.replicas = replicas;
		inference.input_format = "RAW";
		inference.input_topic = "in";
		inference.output_topic = "out";
		inference.resources = {.cpu = 0.5, .memory = 256 * 1048576LL, .gpu = 1};
		return db->create_inference(inference);
	}

	//! An early-exit chain of two stages: stage 0 (2 replicas) reads the
	//! inference's input on the default cluster, stage 1 (1 replica) reads
	//! what stage 0 forwards on the cluster "edge".
	store::Inference stored_chain() {
		auto trained = testing::stored_result(*db, store::ResultStatus::Finished);
		store::Inference inference;
		inference.model_result = trained.id;
		inference.replicas = 3;
		inference.input_format = "RAW";
		inference.input_topic = "in";
		inference.output_topic = "out";
		inference.exits = {{.threshold = 0.9, .replicas = 2, .input_topic = "in"},
		                   {.threshold = 0, .replicas = 1, .input_topic = "out-stage-1", .kafka_broker = "edge"}};
		return db->create_inference(inference);
	}

	static std::string stage_name(const store::Inference &inference, int stage) {
		return "kafkaml-infer-" + std::to_string(inference.id) + "-stage-" + std::to_string(stage);
	}

	static bool eventually(const std::function<bool()> &condition) { return testing::eventually(condition); }

	//! A server that started the training of a running result and an
	//! inference of `replicas`, then went away (its objects stay). Returns
	//! the Job and the Deployment as they were.
	std::pair<json, json> started_then_gone(store::Result &result, store::Inference &inference, int64_t replicas) {
		result = testing::stored_result(*db, store::ResultStatus::Running);
		inference = stored_inference(replicas);
		auto executor = make();
		executor->start_training(result);
		executor->start_inference(inference);
		return {api.object("jobs", "kafkaml-train-" + std::to_string(result.id)),
		        api.object("deployments", "kafkaml-infer-" + std::to_string(inference.id))};
	}

	//! A new executor whose recover() brings `owners` back, creating,
	//! changing and deleting nothing.
	std::unique_ptr<KubernetesExecutor> recovered_unchanged(size_t owners) {
		api.clear_requests();
		auto executor = std::make_unique<KubernetesExecutor>(*db, jobs, config);
		EXPECT_EQ(executor->recover(), owners);
		EXPECT_TRUE(api.requests("POST", "/apis/").empty()) << "created again";
		EXPECT_TRUE(api.requests("PATCH", "/apis/").empty());
		EXPECT_TRUE(api.requests("DELETE", "/apis/").empty());
		return executor;
	}

	//! Starts an inference of `replicas` whose Deployment has the pods
	//! `pods` running, seen by the executor. Returns the Deployment's name.
	std::string running_inference(KubernetesExecutor &executor, store::Inference &inference, int64_t replicas,
	                              const std::vector<std::string> &pods) {
		inference = stored_inference(replicas);
		executor.start_inference(inference);
		auto name = "kafkaml-infer-" + std::to_string(inference.id);
		for (const auto &pod : pods) {
			api.set_pod(name + pod, "deployments", name, FakeKubernetes::running(0));
		}
		auto polled = api.requests("GET", "/api/v1/namespaces/default/pods").size();
		EXPECT_TRUE(eventually([&] { return api.requests("GET", "/api/v1/namespaces/default/pods").size() > polled; }));
		return name;
	}

	kafkaml::testing::TempDir dir{"kubernetes"};
	FakeKubernetes api{kApiToken};
	std::unique_ptr<store::Store> db;
	LocalExecutorConfig jobs;
	KubernetesConfig config;
};

json container_of(const json &object) {
	return object.at("spec").at("template").at("spec").at("containers").at(0);
}

std::vector<std::string> args_of(const json &object) {
	return container_of(object).at("args").get<std::vector<std::string>>();
}

//! A job's args as the fixture's settings make them: `command` (train or
//! infer and its ids), the server's and Kafka's settings (the settings file
//! the Secret's), then `rest`.
std::vector<std::string> job_args(const std::vector<std::string> &command, const std::vector<std::string> &rest = {}) {
	std::vector<std::string> args = {"--log-level", "info"};
	args.insert(args.end(), command.begin(), command.end());
	args.insert(args.end(), {"--server", "http://kafkaml:8000", "--bootstrap-servers", "kafka:9092", "--control-topic",
	                         "control", "--kafka-config", "/run/kafkaml-secrets/kafka.properties"});
	args.insert(args.end(), rest.begin(), rest.end());
	return args;
}

//! The container's plain env variables, by name.
std::map<std::string, std::string> env_of(const json &object) {
	std::map<std::string, std::string> env;
	auto container = container_of(object); // a copy: the loop must not range over a temporary's member
	for (const auto &variable : container.at("env")) {
		if (variable.contains("value")) {
			env[variable["name"].get<std::string>()] = variable["value"].get<std::string>();
		}
	}
	return env;
}

TEST_F(KubernetesExecutorTest, ATrainingIsAJobRunningTheLocalCommandLineWithSecretsOnlyInTheSecret) {
	auto executor = make();
	auto result = testing::stored_result(*db, store::ResultStatus::Running);
	store::Deployment limited;
	limited.configuration = db->get_deployment(result.deployment).configuration;
	limited.resources = {.cpu = 1.5, .memory = 512 * 1048576LL, .gpu = 2};
	auto with_limits = db->create_deployment(limited).second.at(0);
	executor->start_training(with_limits);

	auto posts = api.requests("POST", "/apis/batch/v1/namespaces/default/jobs");
	ASSERT_EQ(posts.size(), 1u);
	auto job = posts[0].body;
	EXPECT_EQ(job["apiVersion"], "batch/v1");
	EXPECT_EQ(job["kind"], "Job");
	auto name = "kafkaml-train-" + std::to_string(with_limits.id);
	EXPECT_EQ(job["metadata"]["name"], name);
	EXPECT_EQ(job["metadata"]["labels"]["app.kubernetes.io/name"], "kafkaml");
	EXPECT_EQ(job["metadata"]["labels"]["kafkaml.kind"], "training");
	EXPECT_EQ(job["metadata"]["labels"]["kafkaml.owner"], std::to_string(with_limits.id));
	EXPECT_EQ(job["spec"]["backoffLimit"], 3) << "the crash-loop limit";
	auto pod = job["spec"]["template"]["spec"];
	EXPECT_EQ(pod["restartPolicy"], "OnFailure");
	auto container = container_of(job);
	EXPECT_EQ(container["image"], "kafkaml:test");
	auto expected = job_args({"train", "--result-id", std::to_string(with_limits.id)});
	EXPECT_EQ(args_of(job), expected) << "the local executor's command line, the settings file from the Secret";
	EXPECT_EQ(container["resources"]["limits"],
	          (json{{"cpu", "1500m"}, {"memory", "536870912"}, {"nvidia.com/gpu", "2"}}));
	EXPECT_EQ(container["resources"]["requests"], (json{{"cpu", "1500m"}, {"memory", "536870912"}}));
	EXPECT_EQ(pod["volumes"][0]["secret"]["secretName"], "kafkaml-jobs");
	EXPECT_EQ(container["volumeMounts"][0]["mountPath"], "/run/kafkaml-secrets");
	EXPECT_EQ(container["volumeMounts"][0]["readOnly"], true);
	bool token_file = false;
	for (const auto &variable : container["env"]) {
		token_file |= variable["name"] == "KAFKAML_TOKEN_FILE" && variable["value"] == "/run/kafkaml-secrets/token";
		EXPECT_NE(variable["name"], "KAFKAML_TOKEN");
	}
	EXPECT_TRUE(token_file) << container["env"];
	auto text = job.dump();
	EXPECT_EQ(text.find(jobs.token), std::string::npos) << "the token is in the Job: " << text;
	EXPECT_EQ(text.find("kafka-secret-password"), std::string::npos) << "a Kafka password is in the Job";

	auto secret = api.object("secrets", "kafkaml-jobs");
	ASSERT_FALSE(secret.is_null());
	EXPECT_EQ(base64_decode(secret["data"]["token"]), jobs.token);
	EXPECT_EQ(base64_decode(secret["data"]["kafka.properties"]), "sasl.password=kafka-secret-password\n");
	ASSERT_EQ(db->list_jobs().size(), 1u);
	EXPECT_EQ(db->list_jobs()[0].owner, with_limits.id);
}

TEST_F(KubernetesExecutorTest, AnInferenceIsADeploymentScaledInPlaceAndDeletedOnStop) {
	auto executor = make();
	auto inference = stored_inference(2);
	executor->start_inference(inference);
	auto name = "kafkaml-infer-" + std::to_string(inference.id);
	auto deployment = api.object("deployments", name);
	ASSERT_FALSE(deployment.is_null());
	EXPECT_EQ(deployment["apiVersion"], "apps/v1");
	EXPECT_EQ(deployment["spec"]["replicas"], 2);
	EXPECT_EQ(deployment["spec"]["selector"]["matchLabels"]["kafkaml.owner"], std::to_string(inference.id));
	EXPECT_FALSE(deployment["metadata"]["labels"].contains("kafkaml.stage")) << "not a stage: as before chains ran";
	EXPECT_FALSE(deployment["spec"]["selector"]["matchLabels"].contains("kafkaml.stage"));
	EXPECT_EQ(deployment["spec"]["template"]["spec"]["restartPolicy"], "Always");
	auto args = args_of(deployment);
	auto replica = std::find(args.begin(), args.end(), "--replica");
	ASSERT_NE(replica, args.end());
	EXPECT_EQ(*(replica + 1), "$(KAFKAML_POD_NAME)") << "a replica is named after its pod";
	bool pod_name = false;
	auto container = container_of(deployment);
	for (const auto &variable : container["env"]) {
		pod_name |=
		    variable["name"] == "KAFKAML_POD_NAME" && variable["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name";
	}
	EXPECT_TRUE(pod_name);
	EXPECT_EQ(container["resources"]["limits"]["nvidia.com/gpu"], "1");

	executor->scale(inference.id, 3);
	auto patches = api.requests("PATCH", "/apis/apps/v1/namespaces/default/deployments/" + name);
	ASSERT_EQ(patches.size(), 1u);
	EXPECT_EQ(patches[0].content_type, "application/merge-patch+json");
	EXPECT_EQ(patches[0].body, (json{{"spec", {{"replicas", 3}}}}));
	EXPECT_EQ(api.object("deployments", name)["spec"]["replicas"], 3);
	EXPECT_EQ(api.object("deployments", name)["metadata"]["uid"], deployment["metadata"]["uid"]) << "in place";

	executor->stop(store::JobKind::Inference, inference.id);
	auto deletes = api.requests("DELETE", "/apis/apps/v1/namespaces/default/deployments/" + name);
	ASSERT_EQ(deletes.size(), 1u);
	EXPECT_EQ(deletes[0].body["propagationPolicy"], "Background");
	EXPECT_TRUE(api.object("deployments", name).is_null());
	EXPECT_TRUE(db->list_jobs().empty());
	executor->stop(store::JobKind::Inference, inference.id); // idempotent: a 404 is fine
}

TEST_F(KubernetesExecutorTest, AnEarlyExitChainIsADeploymentPerStageEachRunningItsStage) {
	auto executor = make();
	auto inference = stored_chain();
	executor->start_inference(inference);
	auto id = std::to_string(inference.id);

	auto posts = api.requests("POST", "/apis/apps/v1/namespaces/default/deployments");
	ASSERT_EQ(posts.size(), 2u);
	EXPECT_TRUE(api.object("deployments", "kafkaml-infer-" + id).is_null()) << "no Deployment of the whole model";
	auto expected_args = [&id](const std::vector<std::string> &stage) {
		return job_args({"infer", "--inference-id", id, "--replica", "$(KAFKAML_POD_NAME)"}, stage);
	};
	struct Expected {
		int64_t replicas;
		std::vector<std::string> args;
		std::map<std::string, std::string> settings; //!< env variables of cluster settings
	};
	std::vector<Expected> stages = {
	    {2,
	     expected_args({"--stage", "0", "--next-bootstrap-servers", "edge:9092", "--next-kafka-config",
	                    "/run/kafkaml-secrets/cluster-edge.properties"}),
	     {{"KAFKAML_KAFKA_SETTINGS", "digest-of-the-settings"}, {"KAFKAML_NEXT_KAFKA_SETTINGS", "digest-of-edge"}}},
	    {1,
	     expected_args({"--stage", "1", "--input-bootstrap-servers", "edge:9092", "--input-kafka-config",
	                    "/run/kafkaml-secrets/cluster-edge.properties"}),
	     {{"KAFKAML_KAFKA_SETTINGS", "digest-of-the-settings"}, {"KAFKAML_INPUT_KAFKA_SETTINGS", "digest-of-edge"}}},
	};
	for (int stage = 0; stage < 2; ++stage) {
		SCOPED_TRACE("stage " + std::to_string(stage));
		auto deployment = api.object("deployments", stage_name(inference, stage));
		ASSERT_FALSE(deployment.is_null());
		auto labels = deployment["metadata"]["labels"];
		EXPECT_EQ(labels["kafkaml.kind"], "inference");
		EXPECT_EQ(labels["kafkaml.owner"], id);
		EXPECT_EQ(labels["kafkaml.stage"], std::to_string(stage));
		EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "kafkaml-server");
		EXPECT_EQ(deployment["spec"]["template"]["metadata"]["labels"], labels) << "the pods say their stage";
		EXPECT_EQ(deployment["spec"]["selector"]["matchLabels"], (json{{"app.kubernetes.io/instance", "kafkaml"},
		                                                               {"kafkaml.kind", "inference"},
		                                                               {"kafkaml.owner", id},
		                                                               {"kafkaml.stage", std::to_string(stage)}}))
		    << "a stage's Deployment owns its own pods only";
		EXPECT_EQ(deployment["spec"]["replicas"], stages[stage].replicas);
		EXPECT_EQ(args_of(deployment), stages[stage].args);
		auto env = env_of(deployment);
		for (const auto &[name, value] : stages[stage].settings) {
			EXPECT_EQ(env[name], value) << name;
		}
		EXPECT_EQ(env["KAFKAML_TOKEN_FILE"], "/run/kafkaml-secrets/token");
		EXPECT_EQ(deployment["spec"]["template"]["spec"]["volumes"][0]["secret"]["secretName"], "kafkaml-jobs");
		auto text = deployment.dump();
		EXPECT_EQ(text.find("secret-password"), std::string::npos) << "a Kafka password is in the Deployment";
		EXPECT_EQ(text.find(jobs.token), std::string::npos) << "the token is in the Deployment";
	}
	EXPECT_FALSE(env_of(api.object("deployments", stage_name(inference, 1))).count("KAFKAML_NEXT_KAFKA_SETTINGS"))
	    << "the last stage forwards nothing";
	auto secret = api.object("secrets", "kafkaml-jobs");
	EXPECT_EQ(base64_decode(secret["data"]["cluster-edge.properties"]), "sasl.password=edge-secret-password\n");
	ASSERT_EQ(db->list_jobs().size(), 1u) << "one record per inference, whatever its stages";
}

TEST_F(KubernetesExecutorTest, AStageScalesItsOwnDeploymentOnly) {
	auto executor = make();
	auto inference = stored_chain();
	executor->start_inference(inference);
	auto first = api.object("deployments", stage_name(inference, 1));

	executor->scale_stage(inference.id, 1, 4);
	auto patches = api.requests("PATCH", "/apis/apps/v1/namespaces/default/deployments/");
	ASSERT_EQ(patches.size(), 1u);
	EXPECT_EQ(patches[0].path, "/apis/apps/v1/namespaces/default/deployments/" + stage_name(inference, 1));
	EXPECT_EQ(patches[0].content_type, "application/merge-patch+json");
	EXPECT_EQ(patches[0].body, (json{{"spec", {{"replicas", 4}}}}));
	EXPECT_EQ(api.object("deployments", stage_name(inference, 1))["spec"]["replicas"], 4);
	EXPECT_EQ(api.object("deployments", stage_name(inference, 1))["metadata"]["uid"], first["metadata"]["uid"]);
	EXPECT_EQ(api.object("deployments", stage_name(inference, 0))["spec"]["replicas"], 2) << "the other stage";

	EXPECT_THROW(executor->scale(inference.id, 5), std::runtime_error) << "a chain scales stage by stage";
	EXPECT_THROW(executor->scale_stage(inference.id, 2, 1), std::runtime_error) << "no such stage";
	EXPECT_EQ(api.object("deployments", stage_name(inference, 0))["spec"]["replicas"], 2);
}

TEST_F(KubernetesExecutorTest, EachStagesPodsAreWatchedAndACrashLoopInOneStageEndsTheChain) {
	auto executor = make();
	auto inference = stored_chain();
	executor->start_inference(inference);
	auto stage0 = stage_name(inference, 0);
	auto stage1 = stage_name(inference, 1);
	api.set_pod(stage0 + "-a", "deployments", stage0, FakeKubernetes::running(0));
	api.set_pod(stage0 + "-b", "deployments", stage0, FakeKubernetes::running(0));
	api.set_pod(stage1 + "-c", "deployments", stage1, FakeKubernetes::running(0));
	auto polled = api.requests("GET", "/api/v1/namespaces/default/pods").size();
	ASSERT_TRUE(eventually([&] { return api.requests("GET", "/api/v1/namespaces/default/pods").size() > polled; }));

	api.set_pod(stage1 + "-c", "deployments", stage1, FakeKubernetes::running(2, 137, "OOMKilled"));
	ASSERT_TRUE(eventually([&] { return db->get_inference(inference.id).restarts == 2; }));
	EXPECT_EQ(db->get_inference(inference.id).last_exit, "replica " + stage1 + "-c: exit code 137 (OOMKilled)")
	    << "the pod's name says its stage";
	api.set_pod(stage0 + "-b", "deployments", stage0, FakeKubernetes::running(1, 1, "Error"));
	ASSERT_TRUE(eventually([&] { return db->get_inference(inference.id).restarts == 3; }));
	EXPECT_EQ(db->get_inference(inference.id).last_exit, "replica " + stage0 + "-b: exit code 1 (Error)");
	EXPECT_EQ(db->get_inference(inference.id).status, store::InferenceStatus::Deployed) << "below the limit";

	api.set_pod(stage1 + "-c", "deployments", stage1, FakeKubernetes::crash_loop(3, 1, "Error"),
	            "stage 1 cannot load its part of the model\n");
	ASSERT_TRUE(eventually([&] { return db->get_inference(inference.id).status == store::InferenceStatus::Failed; }));
	auto detail = db->get_inference(inference.id).status_detail;
	EXPECT_NE(detail.find("replica " + stage1 + "-c crashed"), std::string::npos) << detail;
	EXPECT_NE(detail.find("cannot load its part"), std::string::npos) << detail;
	EXPECT_TRUE(eventually([&] {
		return api.object("deployments", stage0).is_null() && api.object("deployments", stage1).is_null();
	})) << "a chain missing a stage cannot answer: every stage goes";
	EXPECT_TRUE(db->list_jobs().empty());
}

TEST_F(KubernetesExecutorTest, StoppingAChainDeletesEveryStage) {
	auto executor = make();
	auto inference = stored_chain();
	auto other = stored_chain();
	executor->start_inference(inference);
	executor->start_inference(other);
	api.set_pod(stage_name(other, 1) + "-z", "deployments", stage_name(other, 1), FakeKubernetes::running(0));

	executor->stop(store::JobKind::Inference, inference.id);
	for (int stage = 0; stage < 2; ++stage) {
		auto deletes =
		    api.requests("DELETE", "/apis/apps/v1/namespaces/default/deployments/" + stage_name(inference, stage));
		ASSERT_EQ(deletes.size(), 1u) << "stage " << stage;
		EXPECT_EQ(deletes[0].body["propagationPolicy"], "Background");
		EXPECT_TRUE(api.object("deployments", stage_name(inference, stage)).is_null());
		EXPECT_FALSE(api.object("deployments", stage_name(other, stage)).is_null()) << "another inference's";
	}
	EXPECT_FALSE(api.object("pods", stage_name(other, 1) + "-z").is_null());
	ASSERT_EQ(db->list_jobs().size(), 1u);
	EXPECT_EQ(db->list_jobs()[0].owner, other.id);
	executor->stop(store::JobKind::Inference, inference.id); // idempotent
}

TEST_F(KubernetesExecutorTest, ARestartedServerKeepsEveryStageOfAChain) {
	auto inference = stored_chain();
	json before[2];
	{
		auto executor = make();
		executor->start_inference(inference);
		for (int stage = 0; stage < 2; ++stage) {
			before[stage] = api.object("deployments", stage_name(inference, stage));
		}
	}

	auto executor = recovered_unchanged(1);
	for (int stage = 0; stage < 2; ++stage) {
		EXPECT_EQ(api.object("deployments", stage_name(inference, stage))["metadata"]["uid"],
		          before[stage]["metadata"]["uid"]);
	}
	executor.reset();

	// Started by a server that did not get to record it: adopted, once.
	for (const auto &job : db->list_jobs()) {
		db->delete_job(job.id);
	}
	executor = make();
	ASSERT_EQ(db->list_jobs().size(), 1u);
	EXPECT_EQ(db->list_jobs()[0].owner, inference.id);
	executor.reset();

	// Another token: every stage is updated in place (a rolling update).
	api.clear_requests();
	jobs.token = "another-jobs-token";
	executor = make();
	auto patches = api.requests("PATCH", "/apis/apps/v1/namespaces/default/deployments/");
	ASSERT_EQ(patches.size(), 2u);
	for (int stage = 0; stage < 2; ++stage) {
		auto deployment = api.object("deployments", stage_name(inference, stage));
		EXPECT_EQ(deployment["metadata"]["uid"], before[stage]["metadata"]["uid"]);
		EXPECT_NE(deployment["metadata"]["annotations"]["kafkaml.spec"],
		          before[stage]["metadata"]["annotations"]["kafkaml.spec"]);
	}
	executor.reset();

	// Ended while no server ran: every stage is deleted.
	db->update_inference_status(inference.id, store::InferenceStatus::Stopped);
	executor = make();
	EXPECT_TRUE(api.object("deployments", stage_name(inference, 0)).is_null());
	EXPECT_TRUE(api.object("deployments", stage_name(inference, 1)).is_null());
	EXPECT_TRUE(db->list_jobs().empty());
}

TEST_F(KubernetesExecutorTest, RestartsOfPodsAreCountedOnTheInference) {
	auto executor = make();
	store::Inference inference;
	auto name = running_inference(*executor, inference, 2, {"-abc-1", "-abc-2"});
	EXPECT_EQ(db->get_inference(inference.id).restarts, 0);

	api.set_pod(name + "-abc-2", "deployments", name, FakeKubernetes::running(2, 137, "OOMKilled"));
	ASSERT_TRUE(eventually([&] { return db->get_inference(inference.id).restarts == 2; }));
	EXPECT_EQ(db->get_inference(inference.id).last_exit, "replica " + name + "-abc-2: exit code 137 (OOMKilled)");
	EXPECT_EQ(db->get_inference(inference.id).status, store::InferenceStatus::Deployed) << "below the limit";
}

TEST_F(KubernetesExecutorTest, APodCrashLoopingBeyondTheLimitFailsTheInferenceWithItsLog) {
	auto executor = make();
	store::Inference inference;
	auto name = running_inference(*executor, inference, 1, {"-x"});
	api.set_pod(name + "-x", "deployments", name, FakeKubernetes::crash_loop(3, 1, "Error"),
	            "loading the model\nthe model cannot be loaded: bad weights\n");
	ASSERT_TRUE(eventually([&] { return db->get_inference(inference.id).status == store::InferenceStatus::Failed; }));
	auto detail = db->get_inference(inference.id).status_detail;
	EXPECT_NE(detail.find("CrashLoopBackOff"), std::string::npos) << detail;
	EXPECT_NE(detail.find("bad weights"), std::string::npos) << detail;
	EXPECT_TRUE(eventually([&] { return api.object("deployments", name).is_null(); })) << "not restarted forever";
	EXPECT_TRUE(db->list_jobs().empty());
}

TEST_F(KubernetesExecutorTest, AJobThatReachedItsBackoffLimitFailsTheResult) {
	auto executor = make();
	auto result = testing::stored_result(*db, store::ResultStatus::Running);
	executor->start_training(result);
	auto name = "kafkaml-train-" + std::to_string(result.id);
	api.set_job_condition(name, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
	ASSERT_TRUE(eventually([&] {
		return db->get_result(result.id, {.which = store::EpochQuery::Which::none}).status ==
		       store::ResultStatus::Failed;
	}));
	auto detail = db->get_result(result.id, {.which = store::EpochQuery::Which::none}).status_detail;
	EXPECT_NE(detail.find("BackoffLimitExceeded"), std::string::npos) << detail;
	EXPECT_TRUE(eventually([&] { return api.object("jobs", name).is_null(); }));
}

TEST_F(KubernetesExecutorTest, AJobWhoseResultEndedIsDeleted) {
	auto executor = make();
	auto result = testing::stored_result(*db, store::ResultStatus::Running);
	executor->start_training(result);
	auto name = "kafkaml-train-" + std::to_string(result.id);
	api.set_pod(name + "-p", "jobs", name, {{"phase", "Succeeded"}});
	db->update_result_status(result.id, store::ResultStatus::Finished);
	EXPECT_TRUE(eventually([&] { return api.object("jobs", name).is_null(); }));
	EXPECT_TRUE(db->list_jobs().empty());
}

// Several servers on one store (src/server/README.md): another server
// records what it is asked; the leader's reconcile pass carries it out
// against the objects it lists.
TEST_F(KubernetesExecutorTest, ReconcileCarriesOutWhatAnotherServerRecorded) {
	auto executor = make();
	auto result = testing::stored_result(*db, store::ResultStatus::Running);
	auto inference = stored_inference(2);
	auto ask = [&](store::JobKind kind, int64_t owner, int64_t replica) {
		store::Job job;
		job.kind = kind;
		job.owner = owner;
		job.replica = replica;
		db->upsert_job(job);
	};
	ask(store::JobKind::Training, result.id, 0);
	ask(store::JobKind::Inference, inference.id, 0);
	ask(store::JobKind::Inference, inference.id, 1);
	auto train = "kafkaml-train-" + std::to_string(result.id);
	auto infer = "kafkaml-infer-" + std::to_string(inference.id);

	EXPECT_EQ(executor->reconcile(), 2u);
	ASSERT_FALSE(api.object("jobs", train).is_null()) << "the training asked of another server";
	ASSERT_FALSE(api.object("deployments", infer).is_null());
	EXPECT_EQ(api.object("deployments", infer)["spec"]["replicas"], 2);
	api.clear_requests();
	EXPECT_EQ(executor->reconcile(), 2u);
	EXPECT_TRUE(api.requests("POST", "/apis/").empty()) << "nothing changes when nothing was asked";
	EXPECT_TRUE(api.requests("PATCH", "/apis/").empty());
	EXPECT_TRUE(api.requests("DELETE", "/apis/").empty());

	// Scaled through another server: the inference's replicas in the store.
	db->set_inference_replicas(inference.id, 3);
	executor->reconcile();
	EXPECT_EQ(api.object("deployments", infer)["spec"]["replicas"], 3);

	// Stopped through another server: its records deleted.
	for (const auto &job : db->list_jobs()) {
		if (job.kind == store::JobKind::Inference) {
			db->delete_job(job.id);
		}
	}
	EXPECT_EQ(executor->reconcile(), 1u);
	EXPECT_TRUE(api.object("deployments", infer).is_null());
	EXPECT_FALSE(api.object("jobs", train).is_null()) << "the other job stays";

	// A result that ended meanwhile: its record and its Job go.
	db->update_result_status(result.id, store::ResultStatus::Finished);
	EXPECT_EQ(executor->reconcile(), 0u);
	EXPECT_TRUE(api.object("jobs", train).is_null());
	EXPECT_TRUE(db->list_jobs().empty());
}

// A chain asked of another server: one Deployment per stage, each with its
// stage's replicas (not the inference's sum), all deleted once stopped.
TEST_F(KubernetesExecutorTest, ReconcileMakesEachStageOfAChainAskedOfAnotherServer) {
	auto executor = make();
	auto inference = stored_chain();
	store::Job job;
	job.kind = store::JobKind::Inference;
	job.owner = inference.id;
	db->upsert_job(job);
	EXPECT_EQ(executor->reconcile(), 1u);
	EXPECT_EQ(api.object("deployments", stage_name(inference, 0))["spec"]["replicas"], 2);
	EXPECT_EQ(api.object("deployments", stage_name(inference, 1))["spec"]["replicas"], 1);
	api.clear_requests();
	executor->reconcile();
	EXPECT_TRUE(api.requests("PATCH", "/apis/").empty()) << "each stage already has its replicas";
	for (const auto &record : db->list_jobs()) {
		db->delete_job(record.id);
	}
	executor->reconcile();
	EXPECT_TRUE(api.object("deployments", stage_name(inference, 0)).is_null());
	EXPECT_TRUE(api.object("deployments", stage_name(inference, 1)).is_null());
}

TEST_F(KubernetesExecutorTest, ARestartedServerKeepsItsObjectsInsteadOfCreatingThemAgain) {
	store::Result result;
	store::Inference inference;
	auto [job, deployment] = started_then_gone(result, inference, 2);

	auto executor = recovered_unchanged(2);
	EXPECT_EQ(api.object("jobs", "kafkaml-train-" + std::to_string(result.id))["metadata"]["uid"],
	          job["metadata"]["uid"]);
	EXPECT_EQ(api.object("deployments", "kafkaml-infer-" + std::to_string(inference.id))["metadata"]["uid"],
	          deployment["metadata"]["uid"]);
}

TEST_F(KubernetesExecutorTest, ARestartedServerWithAnotherTokenReplacesItsObjects) {
	store::Result result;
	store::Inference inference;
	auto old_job = started_then_gone(result, inference, 1).first;
	auto job_name = "kafkaml-train-" + std::to_string(result.id);

	api.clear_requests();
	jobs.token = "another-jobs-token";
	auto executor = make();
	EXPECT_EQ(api.requests("PATCH", "/apis/apps/v1/namespaces/default/deployments/").size(), 1u)
	    << "a Deployment is updated in place (a rolling update)";
	EXPECT_EQ(api.requests("DELETE", "/apis/batch/v1/namespaces/default/jobs/" + job_name).size(), 1u)
	    << "a Job's template cannot change: it is created again";
	ASSERT_TRUE(eventually([&] {
		auto job = api.object("jobs", job_name);
		return !job.is_null() && job["metadata"]["uid"] != old_job["metadata"]["uid"];
	}));
	EXPECT_EQ(base64_decode(api.object("secrets", "kafkaml-jobs")["data"]["token"]), "another-jobs-token");
}

TEST_F(KubernetesExecutorTest, TheApiServerRefusingOurCredentialsIsSaidAtStart) {
	config.credentials.token = "wrong";
	try {
		KubernetesExecutor executor(*db, jobs, config);
		FAIL() << "started with credentials the API server refuses";
	} catch (const std::runtime_error &e) {
		EXPECT_NE(std::string(e.what()).find("Unauthorized"), std::string::npos) << e.what();
	}
}

TEST(KubeCredentialsTest, AKubeconfigGivesItsCurrentContextsServerCaTokenAndNamespace) {
	kafkaml::testing::TempDir dir{"kubeconfig"};
	dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	dir.write("config", R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: other
  cluster:
    server: https://other:6443
- name: main
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: ca.pem
contexts:
- name: prod
  context:
    cluster: main
    user: robot
    namespace: ml
users:
- name: robot
  user:
    token: abc.def
    client-key-data: )" + base64_encode("KEY") +
	                        "\n");
	auto credentials = kubeconfig_credentials((dir / "config").string());
	EXPECT_EQ(credentials.server, "https://10.0.0.1:6443");
	EXPECT_EQ(credentials.ca_pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	    << "a file relative to the kubeconfig";
	EXPECT_EQ(credentials.token, "abc.def");
	EXPECT_EQ(credentials.client_key_pem, "KEY");
	EXPECT_EQ(credentials.namespace_name, "ml");

	dir.write("plugin",
	          "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- "
	          "name: k\n  cluster: {server: 'https://k:443'}\nusers:\n- name: u\n  user:\n    exec: {command: "
	          "aws}\n");
	EXPECT_THROW(kubeconfig_credentials((dir / "plugin").string()), std::runtime_error);
}

TEST(KubeCredentialsTest, InAPodTheServiceAccountsFilesAndTheServiceVariablesAreUsed) {
	kafkaml::testing::TempDir dir{"serviceaccount"};
	dir.write("token", "pod-token\n");
	dir.write("ca.crt", "CA");
	dir.write("namespace", "kafkaml\n");
	::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	auto credentials = in_cluster_credentials(dir.string());
	EXPECT_EQ(credentials.server, "https://10.96.0.1:443");
	EXPECT_EQ(credentials.token_file, (dir / "token").string()) << "read at each request: tokens are rotated";
	EXPECT_EQ(credentials.ca_pem, "CA");
	EXPECT_EQ(credentials.namespace_name, "kafkaml");
	::unsetenv("KUBERNETES_SERVICE_HOST");
	EXPECT_THROW(in_cluster_credentials(dir.string()), std::runtime_error);
}

TEST(KubeClientTest, PlainHttpGoesToLoopbackOnly) {
	EXPECT_THROW(KubeClient({.server = "http://10.0.0.1:8080"}), std::runtime_error);
	EXPECT_NO_THROW(KubeClient({.server = "http://127.0.0.1:8080"}));
	EXPECT_NO_THROW(KubeClient({.server = "https://10.0.0.1:6443"}));
}

TEST(KubeClientTest, Base64RoundTrips) {
	for (const auto &text : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
		EXPECT_EQ(base64_decode(base64_encode(text)), text);
	}
	EXPECT_EQ(base64_encode("abc"), "YWJj");
}

} // namespace
} // namespace kafkaml::executors
