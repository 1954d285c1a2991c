#include "operations/inference_operations.h"
#include "operations/operation_errors.h"
#include "operations/tests/operations_test_support.h"

#include <functional>

namespace kafkaml::operations {
namespace {

using nlohmann::json;
using store::InferenceStatus;

class InferenceOperationsTest : public OperationsTest {
protected:
	InferenceRequest request_for(int64_t result) {
		InferenceRequest request;
		request.model_result = result;
		request.input_topic = "in";
		request.output_topic = "out";
		return request;
	}
	//! The field an InvalidField from create_inference names; "" when it
	//! throws nothing.
	std::string refused_field(const InferenceRequest &request) {
		auto refused = invalid_field([&] { create_inference(*db, executor, request, environment); });
		return refused ? refused->field : "";
	}
	InferenceEnvironment environment{.max_replicas = 8};
};

TEST_F(InferenceOperationsTest, TheInputFormatComesFromTheStreamTheResultTrainedOn) {
	json config = {{"data_type", "float32"}, {"data_reshape", "3"}};
	auto result = finished_result({.input_format = "RAW", .input_config = config});
	auto created = create_inference(*db, executor, request_for(result.id), environment);
	EXPECT_EQ(created.inference.input_format, "RAW");
	EXPECT_EQ(created.inference.input_config, config);
	EXPECT_EQ(created.inference.dead_letter_topic, "in-dead-letter");
	EXPECT_EQ(db->get_inference(created.inference.id).input_format, "RAW") << "stored as answered";
	EXPECT_EQ(executor.calls(),
	          std::vector<std::string>{"start_inference " + std::to_string(created.inference.id) + " x1"});
}

TEST_F(InferenceOperationsTest, ElseFromTheDeploymentsNewestDatasource) {
	auto result = finished_result();
	store::Datasource older;
	older.deployment = result.deployment;
	older.topic = "old:0:0:9";
	older.input_format = "avro";
	older.control_message = "control/0@1 t1";
	db->add_datasource(older);
	store::Datasource newer = older;
	newer.topic = "new:0:0:9";
	newer.input_format = "raw";
	newer.input_config = {{"data_type", "uint8"}};
	newer.control_message = "control/0@2 t2";
	db->add_datasource(newer);
	auto created = create_inference(*db, executor, request_for(result.id), environment);
	EXPECT_EQ(created.inference.input_format, "RAW") << "upper case, as compared";
	EXPECT_EQ(created.inference.input_config, newer.input_config);
}

TEST_F(InferenceOperationsTest, WhatTheRequestGivesIsKept) {
	auto result = finished_result({.input_format = "AVRO", .input_config = json{{"data_scheme", "x"}}});
	auto request = request_for(result.id);
	request.input_format = "json";
	request.input_config = json{{"fields", json::array({"a"})}};
	request.dead_letter_topic = "errors";
	auto created = create_inference(*db, executor, request, environment);
	EXPECT_EQ(created.inference.input_format, "JSON");
	EXPECT_EQ(created.inference.input_config, request.input_config);
	EXPECT_EQ(created.inference.dead_letter_topic, "errors");
}

TEST_F(InferenceOperationsTest, WithoutARecordedStreamTheFormatMustBeGiven) {
	auto result = finished_result();
	try {
		create_inference(*db, executor, request_for(result.id), environment);
		FAIL() << "no format anywhere";
	} catch (const InvalidField &e) {
		FAIL() << "not a refused field but a missing one: " << e.what();
	} catch (const UserError &e) {
		EXPECT_NE(std::string(e.what()).find("input_format"), std::string::npos) << e.what();
	}
	auto request = request_for(result.id);
	request.input_format = "CSV";
	EXPECT_EQ(refused_field(request), "input_format");
	request.input_format = "raw";
	auto created = create_inference(*db, executor, request, environment);
	EXPECT_EQ(created.inference.input_config, json::object());
}

TEST_F(InferenceOperationsTest, TopicsMustBeKafkaNamesAndNotTheInputTopic) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	struct Case {
		std::function<void(InferenceRequest &)> change;
		std::string refused;
	};
	std::vector<Case> cases = {
	    {[](InferenceRequest &r) { r.input_topic = "a topic"; }, "input_topic"},
	    {[](InferenceRequest &r) { r.output_topic = ".."; }, "output_topic"},
	    {[](InferenceRequest &r) { r.output_topic = "in"; }, "output_topic"},
	    {[](InferenceRequest &r) { r.dead_letter_topic = "in"; }, "dead_letter_topic"},
	};
	for (const auto &c : cases) {
		auto request = request_for(result.id);
		c.change(request);
		EXPECT_EQ(refused_field(request), c.refused);
	}
	auto request = request_for(result.id);
	request.replicas = 9;
	auto refused = invalid_field([&] { create_inference(*db, executor, request, environment); });
	ASSERT_TRUE(refused) << "beyond max_replicas";
	EXPECT_EQ(refused->field, "replicas");
	EXPECT_EQ(refused->detail["max"], 8);
	EXPECT_TRUE(db->list_inferences().empty());
	EXPECT_TRUE(executor.calls().empty());
}

TEST_F(InferenceOperationsTest, AConfigTheValidatorRefusesIsAnInputConfigError) {
	auto result = finished_result({.input_format = "JSON", .input_config = json{{"fields", "a"}}});
	environment.validate_input = [](std::string_view format, const json &config) {
		if (format == "JSON" && !config.value("fields", json::array()).is_array()) {
			throw ValidationError(0, 0, "\"fields\" must be a list of names");
		}
	};
	EXPECT_EQ(refused_field(request_for(result.id)), "input_config");
	EXPECT_TRUE(db->list_inferences().empty());
}

TEST_F(InferenceOperationsTest, AnUnknownOrUnfinishedResultIsRefused) {
	EXPECT_THROW(create_inference(*db, executor, request_for(42), environment), store::InvalidArgument);
	auto [deployment, results] = recorded_deployment(1);
	// A batch result still training is a conflict naming its status, before
	// anything else is asked of the request (here no input format, which
	// would otherwise be a 400) and before the input topic is made.
	bool topic_created = false;
	auto with_topic = environment;
	with_topic.create_input_topic = [&](const std::string &, const std::string &, int32_t) {
		return topic_created = true;
	};
	for (auto status : {store::ResultStatus::Created, store::ResultStatus::Deployed, store::ResultStatus::Running,
	                    store::ResultStatus::Failed}) {
		if (status != store::ResultStatus::Created) {
			db->update_result_status(results[0].id, status);
		}
		try {
			create_inference(*db, executor, request_for(results[0].id), with_topic);
			ADD_FAILURE() << "a " << store::to_string(status) << " batch result was deployed";
		} catch (const store::Conflict &e) {
			std::string expected = "is " + std::string(store::to_string(status));
			EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
		}
	}
	EXPECT_FALSE(topic_created);
	EXPECT_TRUE(db->list_inferences().empty());
}

TEST_F(InferenceOperationsTest, AContinualResultStillTrainingFollowsItsVersions) {
	store::Deployment deployment;
	deployment.configuration = stored_configuration({stored_model("m")});
	deployment.mode = "incremental";
	auto results = db->create_deployment(deployment).second;
	advance(results.at(0).id, store::ResultStatus::Running);
	auto request = request_for(results[0].id);
	request.input_format = "RAW";
	auto created = create_inference(*db, executor, request, environment);
	EXPECT_EQ(created.inference.served, store::ServedModel::Latest);
}

TEST_F(InferenceOperationsTest, ReplicasThatCannotStartMarkTheInferenceFailed) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	executor.fail_inference = true;
	try {
		create_inference(*db, executor, request_for(result.id), environment);
		FAIL() << "the executor failed";
	} catch (const NotStarted<store::Inference> &e) {
		EXPECT_TRUE(e.is_retriable());
		EXPECT_EQ(e.created.status, InferenceStatus::Failed);
		EXPECT_EQ(e.created.status_detail, "no worker slots left");
		EXPECT_EQ(db->get_inference(e.created.id).status, InferenceStatus::Failed);
	}
}

TEST_F(InferenceOperationsTest, ANewInputTopicIsNotedAndIdleReplicasWarned) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	std::vector<std::pair<std::string, int32_t>> created_topics;
	environment.create_input_topic = [&](const std::string &broker, const std::string &topic, int32_t partitions) {
		EXPECT_EQ(broker, "default");
		created_topics.emplace_back(topic, partitions);
		return true;
	};
	environment.partition_count = [](const std::string &, const std::string &) -> std::optional<int32_t> { return 2; };
	auto request = request_for(result.id);
	request.replicas = 3;
	auto created = create_inference(*db, executor, request, environment);
	EXPECT_EQ(created_topics, (std::vector<std::pair<std::string, int32_t>>{{"in", 3}}));
	ASSERT_EQ(created.notes.size(), 1u);
	EXPECT_NE(created.notes[0].find("created the input topic \"in\" with 3 partition(s)"), std::string::npos);
	ASSERT_EQ(created.warnings.size(), 1u);
	EXPECT_NE(created.warnings[0].find("1 replica(s) sit idle"), std::string::npos) << created.warnings[0];

	auto scaled = scale_inference(*db, executor, created.inference.id, 2, environment);
	EXPECT_EQ(scaled.inference.replicas, 2);
	EXPECT_TRUE(scaled.warnings.empty()) << "two partitions, two replicas";
	EXPECT_EQ(executor.calls().back(), "scale " + std::to_string(created.inference.id) + " x2");
}

TEST_F(InferenceOperationsTest, KafkaBrokersAreConfiguredClustersOrBootstrapLists) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	environment.kafka_clusters = {"default", "edge", "cloud"};
	std::vector<std::string> topic_brokers;
	environment.create_input_topic = [&](const std::string &broker, const std::string &, int32_t) {
		topic_brokers.push_back(broker);
		return false;
	};
	environment.partition_count = [&](const std::string &broker, const std::string &) -> std::optional<int32_t> {
		topic_brokers.push_back(broker);
		return std::nullopt;
	};
	auto request = request_for(result.id);
	auto plain = create_inference(*db, executor, request, environment).inference;
	EXPECT_EQ(plain.input_kafka_broker, "default");
	EXPECT_EQ(plain.output_kafka_broker, "default");

	request.input_kafka_broker = "edge";
	request.output_kafka_broker = "cloud-0:9092,cloud-1:9092";
	auto across = create_inference(*db, executor, request, environment).inference;
	EXPECT_EQ(across.input_kafka_broker, "edge");
	EXPECT_EQ(across.output_kafka_broker, "cloud-0:9092,cloud-1:9092");
	auto stored = db->get_inference(across.id);
	EXPECT_EQ(stored.input_kafka_broker, "edge");
	EXPECT_EQ(stored.output_kafka_broker, "cloud-0:9092,cloud-1:9092");
	EXPECT_EQ(topic_brokers, (std::vector<std::string>{"default", "default", "edge", "edge"}))
	    << "the input topic is created and counted on the input's cluster";

	size_t before = db->list_inferences().size();
	for (auto [field, value] : {std::pair{"input_kafka_broker", "nowhere"}, std::pair{"output_kafka_broker", "h:0"},
	                            std::pair{"input_kafka_broker", "edge:9092 "}}) {
		auto bad = request_for(result.id);
		(std::string(field) == "input_kafka_broker" ? bad.input_kafka_broker : bad.output_kafka_broker) = value;
		auto refused = invalid_field([&] { create_inference(*db, executor, bad, environment); });
		ASSERT_TRUE(refused) << value;
		EXPECT_EQ(refused->field, field);
		EXPECT_NE(std::string(refused->what()).find("(default, edge, cloud;"), std::string::npos) << refused->what();
		EXPECT_EQ(refused->detail["clusters"], json({"default", "edge", "cloud"}));
	}
	EXPECT_EQ(db->list_inferences().size(), before) << "nothing recorded for a refused broker";
	EXPECT_EQ(kafka_broker_of("input_kafka_broker", std::string("default"), {}), "default");
	EXPECT_EQ(kafka_broker_of("input_kafka_broker", std::string(""), {}), "default");
	EXPECT_THROW(kafka_broker_of("input_kafka_broker", std::string("edge"), {}), InvalidField);
}

TEST_F(InferenceOperationsTest, ScaleChecksTheLimitBeforeAskingTheExecutor) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	auto created = create_inference(*db, executor, request_for(result.id), environment);
	for (int64_t replicas : {0, 9}) {
		auto refused =
		    invalid_field([&] { scale_inference(*db, executor, created.inference.id, replicas, environment); });
		ASSERT_TRUE(refused) << replicas << " replicas";
		EXPECT_EQ(refused->field, "replicas");
	}
	EXPECT_EQ(db->get_inference(created.inference.id).replicas, 1);
	EXPECT_EQ(executor.calls().size(), 1u) << "only the start";
}

TEST_F(InferenceOperationsTest, StopEndsTheReplicasAndAnEndedInferenceIsAConflict) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	int64_t id = create_inference(*db, executor, request_for(result.id), environment).inference.id;
	auto stopped = stop_inference(*db, executor, id);
	EXPECT_EQ(stopped.status, InferenceStatus::Stopped);
	EXPECT_EQ(stopped.status_detail, "stopped by the user");
	EXPECT_EQ(executor.calls().back(), "stop inference " + std::to_string(id));
	EXPECT_THROW(stop_inference(*db, executor, id), store::Conflict);
	EXPECT_THROW(scale_inference(*db, executor, id, 2, environment), store::Conflict);
	EXPECT_EQ(executor.calls().size(), 2u) << "nothing asked of the executor after the stop";
}

TEST_F(InferenceOperationsTest, AnInferenceThatFailsWhileStoppedIsNoConflict) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	int64_t id = create_inference(*db, executor, request_for(result.id), environment).inference.id;
	executor.on_stop = [this](store::JobKind, int64_t owner) {
		db->update_inference_status(owner, InferenceStatus::Failed, "replica 0 crashed");
	};
	EXPECT_EQ(stop_inference(*db, executor, id).status, InferenceStatus::Failed);
}

TEST_F(InferenceOperationsTest, AReplicasFailureFailsTheInferenceOnceWithItsReason) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	int64_t id = create_inference(*db, executor, request_for(result.id), environment).inference.id;
	auto failed = fail_inference(*db, id, "host:12", "input_config: no field \"Age\"");
	EXPECT_EQ(failed.status, InferenceStatus::Failed);
	EXPECT_EQ(failed.status_detail, "replica host:12 failed: input_config: no field \"Age\"");
	EXPECT_THROW(fail_inference(*db, id, "", "again"), store::Conflict) << "the other replicas learn it ended";
	EXPECT_EQ(db->get_inference(id).status_detail, failed.status_detail) << "the first reason stays";
	int64_t other = create_inference(*db, executor, request_for(result.id), environment).inference.id;
	EXPECT_EQ(fail_inference(*db, other, "", "gone").status_detail, "a replica failed: gone");
}

TEST_F(InferenceOperationsTest, TheFirstReportOfAConsumingReplicaMarksTheInferenceRunning) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	int64_t id = create_inference(*db, executor, request_for(result.id), environment).inference.id;
	EXPECT_EQ(accept_replica_report(*db, id, false).status, InferenceStatus::Deployed) << "not consuming yet";
	EXPECT_EQ(accept_replica_report(*db, id, true).status, InferenceStatus::Running);
	EXPECT_EQ(accept_replica_report(*db, id, false).status, InferenceStatus::Running) << "no step back";
	EXPECT_EQ(db->get_inference(id).status, InferenceStatus::Running);
	EXPECT_THROW(accept_replica_report(*db, id + 100, true), store::NotFound);
}

TEST_F(InferenceOperationsTest, AReplicaOfAnEndedInferenceLearnsItShouldEnd) {
	auto result = finished_result({.input_format = "RAW", .input_config = json::object()});
	int64_t id = create_inference(*db, executor, request_for(result.id), environment).inference.id;
	stop_inference(*db, executor, id);
	try {
		accept_replica_report(*db, id, true);
		FAIL() << "the inference was stopped";
	} catch (const store::Conflict &e) {
		EXPECT_EQ(std::string(e.what()), "inference " + std::to_string(id) + " is stopped; its replicas should end");
	}
	EXPECT_EQ(db->get_inference(id).status, InferenceStatus::Stopped);
}

constexpr const char *kTwoExits = R"(import tensorflow as tf
x = tf.keras.Input(shape=(4,))
model = tf.keras.Model(inputs=x, outputs=[tf.keras.layers.Dense(2, activation="softmax")(x),
                                          tf.keras.layers.Dense(3, activation="softmax")(x)])
)";

class EarlyExitOperationsTest : public InferenceOperationsTest {
protected:
	//! A finished result of a model with two outputs (exits).
	store::Result two_exit_result() {
		store::Model model;
		model.name = "two exits";
		model.code = kTwoExits;
		auto id = db->create_model(model).id;
		store::Deployment deployment;
		deployment.configuration = stored_configuration({id});
		auto [created, results] = db->create_deployment(deployment);
		return advance(results.at(0).id, store::ResultStatus::Finished,
		               {.input_format = "RAW", .input_config = json::object()});
	}
	InferenceRequest chain_request(int64_t result) {
		auto request = request_for(result);
		ExitRequest first;
		first.threshold = 0.9;
		first.replicas = 2;
		ExitRequest last;
		last.bootstrap_servers = "cloud:9092";
		request.exits = {first, last};
		return request;
	}
};

TEST_F(EarlyExitOperationsTest, EachStageGetsItsTopicItsClusterAndItsReplicas) {
	auto result = two_exit_result();
	auto created = create_inference(*db, executor, chain_request(result.id), environment).inference;
	ASSERT_EQ(created.exits.size(), 2u);
	EXPECT_EQ(created.exits[0], (store::InferenceExit{0.9, "top_probability", 2, "in", "default"}));
	EXPECT_EQ(created.exits[1], (store::InferenceExit{0, "top_probability", 1, "out-stage-1", "cloud:9092"}));
	EXPECT_EQ(created.replicas, 3) << "the stages' sum";
	EXPECT_EQ(db->get_inference(created.id).exits, created.exits) << "stored as answered";
	EXPECT_EQ(store::stage_of_replica(created, 0), (std::pair<size_t, int64_t>{0, 0}));
	EXPECT_EQ(store::stage_of_replica(created, 1), (std::pair<size_t, int64_t>{0, 1}));
	EXPECT_EQ(store::stage_of_replica(created, 2), (std::pair<size_t, int64_t>{1, 0}));
	EXPECT_EQ(executor.calls(), std::vector<std::string>{"start_inference " + std::to_string(created.id) + " x3"});

	auto changed = set_inference_thresholds(*db, created.id, {0.75, 0});
	EXPECT_EQ(changed.exits[0].threshold, 0.75);
	EXPECT_EQ(changed.exits[1].input_topic, "out-stage-1") << "only thresholds change";
	EXPECT_EQ(invalid_field([&] { set_inference_thresholds(*db, created.id, {0.5}); })->field, "thresholds");
	EXPECT_EQ(invalid_field([&] { set_inference_thresholds(*db, created.id, {1.5, 0}); })->field, "thresholds");
	EXPECT_THROW(scale_inference(*db, executor, created.id, 4, environment), store::Conflict);
}

TEST_F(EarlyExitOperationsTest, EachStageKeepsItsConfidenceRule) {
	auto result = two_exit_result();
	auto request = chain_request(result.id);
	request.exits[0].confidence = "margin";
	request.exits[1].confidence = "entropy";
	auto created = create_inference(*db, executor, request, environment).inference;
	EXPECT_EQ(created.exits[0].confidence, "margin");
	EXPECT_EQ(created.exits[1].confidence, "entropy");
	auto stored = db->get_inference(created.id);
	EXPECT_EQ(stored.exits, created.exits);
	EXPECT_EQ(set_inference_thresholds(*db, created.id, {0.5, 0}).exits[0].confidence, "margin")
	    << "a threshold change keeps the rule";
}

// The original Kafka-ML's form: limit and output_upper instead of exits.
TEST_F(EarlyExitOperationsTest, TheOriginalsLimitAndUpperTopicMakeTheChain) {
	auto result = two_exit_result();
	InferenceRequest request = chain_request(result.id);
	request.exits.clear();
	request.replicas = 2;
	request.limit = 0.8;
	request.output_upper = "to-cloud";
	request.upper_kafka_broker = "cloud:9092";
	auto created = create_inference(*db, executor, request, environment).inference;
	ASSERT_EQ(created.exits.size(), 2u);
	EXPECT_EQ(created.exits[0], (store::InferenceExit{0.8, "top_probability", 2, "in", "default"}));
	EXPECT_EQ(created.exits[1], (store::InferenceExit{0, "top_probability", 2, "to-cloud", "cloud:9092"}));

	request.output_upper.reset();
	request.upper_kafka_broker.reset();
	created = create_inference(*db, executor, request, environment).inference;
	EXPECT_EQ(created.exits[1].input_topic, "out-stage-1") << "no upper topic named: the default one";

	request.limit.reset();
	request.output_upper = "to-cloud";
	EXPECT_EQ(refused_field(request), "limit") << "an upper topic without a limit";
	request.limit = 1.5;
	EXPECT_EQ(refused_field(request), "limit");
	request.limit = 0.8;
	request.exits = chain_request(result.id).exits;
	EXPECT_EQ(refused_field(request), "exits") << "both forms at once";
	auto single = finished_result({.input_format = "RAW", .input_config = json::object()});
	request = chain_request(single.id);
	request.exits.clear();
	request.limit = 0.8;
	EXPECT_EQ(refused_field(request), "limit") << "a model with one output has no upper model";
}

TEST_F(EarlyExitOperationsTest, TheExitsMustBeTheModelsOutputs) {
	auto result = two_exit_result();
	auto request = chain_request(result.id);
	request.exits.push_back(ExitRequest{.threshold = 0.5});
	auto refused = invalid_field([&] { create_inference(*db, executor, request, environment); });
	ASSERT_TRUE(refused);
	EXPECT_EQ(refused->field, "exits");
	EXPECT_NE(std::string(refused->what()).find("has 2 output(s)"), std::string::npos) << refused->what();

	request = chain_request(result.id);
	request.exits[0].threshold.reset();
	EXPECT_EQ(refused_field(request), "exits") << "every stage but the last needs a threshold";
	request = chain_request(result.id);
	request.exits[1].input_topic = "in";
	request.exits[1].bootstrap_servers.reset();
	EXPECT_EQ(refused_field(request), "exits") << "stage 1 reading stage 0's topic on its cluster";
	request = chain_request(result.id);
	request.exits[0].input_topic = "elsewhere";
	EXPECT_EQ(refused_field(request), "exits") << "stage 0 reads the inference's input";
	request = chain_request(result.id);
	request.exits[1].bootstrap_servers = "nowhere";
	EXPECT_EQ(refused_field(request), "exits");
	request = chain_request(result.id);
	request.exits[0].confidence = "softmax";
	EXPECT_EQ(refused_field(request), "exits") << "an unknown confidence rule";

	// One output: one exit at most.
	auto single = finished_result({.input_format = "RAW", .input_config = json::object()});
	EXPECT_EQ(refused_field(chain_request(single.id)), "exits");
	EXPECT_TRUE(db->list_inferences().empty());
}

} // namespace
} // namespace kafkaml::operations
