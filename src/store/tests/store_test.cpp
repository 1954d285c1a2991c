#include "store_test.h"

#include "store/coordination.h"
#include "store/migrations.h"

#include <functional>
#include <thread>

namespace kafkaml::store {
namespace {

Model make_model(const std::string &name) {
	Model m;
	m.name = name;
	m.description = "a model";
	m.imports = "import tensorflow as tf";
	m.code = "model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])";
	return m;
}

// A deployment of a configuration of two new models.
std::pair<Deployment, std::vector<Result>> deploy_two(Store &store) {
	auto a = store.create_model(make_model("a"));
	auto b = store.create_model(make_model("b"));
	auto configuration = store.create_configuration({0, "c", "two models", {a.id, b.id}, ""});
	Deployment d;
	d.configuration = configuration.id;
	d.batch = 10;
	d.kwargs_fit = "epochs=5, steps_per_epoch=1000";
	d.kwargs_fit_parsed = {{"epochs", 5}, {"steps_per_epoch", 1000}};
	return store.create_deployment(d);
}

Result finish(Store &store, int64_t id) {
	store.update_result_status(id, ResultStatus::Deployed);
	store.update_result_status(id, ResultStatus::Running);
	return store.update_result_status(id, ResultStatus::Finished);
}

} // namespace

TEST_P(StoreTest, MigrationsAppliedOnceAndReopenKeepsData) {
	const int newest = migrations().back().version;
	EXPECT_EQ(store_->schema_version(), newest);
	auto model = store_->create_model(make_model("kept"));
	store_.reset();
	auto again = open_store(url_);
	EXPECT_EQ(again->schema_version(), newest);
	EXPECT_EQ(again->get_model(model.id).name, "kept");
}

TEST_P(StoreTest, ModelCrud) {
	auto created = store_->create_model(make_model("m1"));
	EXPECT_GT(created.id, 0);
	EXPECT_FALSE(created.created_at.empty());
	EXPECT_EQ(created.framework, "keras");
	created.description = "changed";
	created.code = "x = 1\n'quoted' \"text\" ? with a question mark";
	store_->update_model(created);
	auto read = store_->get_model(created.id);
	EXPECT_EQ(read.description, "changed");
	EXPECT_EQ(read.code, created.code);
	EXPECT_EQ(store_->list_models().size(), 1u);
	store_->delete_model(created.id);
	EXPECT_THROW(store_->get_model(created.id), NotFound);
	EXPECT_THROW(store_->delete_model(created.id), NotFound);
	Model ghost = make_model("ghost");
	ghost.id = 999;
	EXPECT_THROW(store_->update_model(ghost), NotFound);
}

// The original Kafka-ML's distributed sub-models: edge -> fog -> cloud,
// each naming its upper model as father; a configuration holds the top.
TEST_P(StoreTest, DistributedSubModelsChainThroughTheirFather) {
	auto sub_model = [&](const std::string &name, std::optional<int64_t> father) {
		Model m = make_model(name);
		m.distributed = true;
		m.father = father;
		return store_->create_model(m);
	};
	auto cloud = sub_model("cloud", std::nullopt);
	auto fog = sub_model("fog", cloud.id);
	auto edge = sub_model("edge", fog.id);
	EXPECT_TRUE(store_->get_model(edge.id).distributed);
	EXPECT_EQ(store_->get_model(edge.id).father, fog.id);
	EXPECT_EQ(store_->get_model(cloud.id).father, std::nullopt);
	auto chain = store_->submodel_chain(cloud.id);
	ASSERT_EQ(chain.size(), 3u);
	EXPECT_EQ(chain[0].id, edge.id) << "bottom first";
	EXPECT_EQ(chain[1].id, fog.id);
	EXPECT_EQ(chain[2].id, cloud.id);
	EXPECT_EQ(store_->submodel_chain(fog.id).size(), 2u) << "the chain under fog";
	auto plain = store_->create_model(make_model("plain"));
	EXPECT_EQ(store_->submodel_chain(plain.id).size(), 1u);

	// What the store refuses, saying why.
	auto refused = [&](const std::function<void()> &change, const std::string &says) {
		try {
			change();
			ADD_FAILURE() << "accepted; expected a refusal saying " << says;
		} catch (const InvalidArgument &e) {
			EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
		}
	};
	refused([&] { sub_model("second edge", fog.id); }, "already the upper model of model " + std::to_string(edge.id));
	refused([&] { sub_model("orphan", 12345); }, "does not exist");
	refused([&] { sub_model("below plain", plain.id); }, "not distributed");
	refused(
	    [&] {
		    Model m = make_model("not distributed");
		    m.father = cloud.id;
		    store_->create_model(m);
	    },
	    "is not distributed");
	refused(
	    [&] {
		    Model top = store_->get_model(cloud.id);
		    top.father = edge.id; // cloud above edge above ... cloud
		    store_->update_model(top);
	    },
	    "cycle");
	refused(
	    [&] {
		    Model top = store_->get_model(cloud.id);
		    top.distributed = false;
		    store_->update_model(top);
	    },
	    "upper model of model " + std::to_string(fog.id));
	EXPECT_EQ(store_->list_models().size(), 4u) << "nothing refused was stored";

	// A configuration holds the top; a sub-model below it is refused,
	// naming the top to use.
	refused(
	    [&] {
		    store_->create_configuration({0, "edge only", "", {edge.id}, ""});
	    },
	    "model " + std::to_string(cloud.id) + ", in the configuration");
	auto configuration = store_->create_configuration({0, "chain", "", {cloud.id}, ""});
	EXPECT_EQ(configuration.ml_models, std::vector<int64_t>{cloud.id});

	// A chain that trained is frozen whole: its sub-models stay as they
	// were, and nothing is added below it.
	Deployment d;
	d.configuration = configuration.id;
	d.batch = 10;
	d.kwargs_fit = "epochs=1";
	d.kwargs_fit_parsed = {{"epochs", 1}};
	auto [deployment, trained] = store_->create_deployment(d);
	Model changed = store_->get_model(edge.id);
	changed.code += "\n# changed";
	EXPECT_THROW(store_->update_model(changed), Conflict);
	EXPECT_THROW(sub_model("below edge", edge.id), Conflict);
	// A model a configuration holds gets no upper model: configurations
	// hold a chain's top.
	auto other_top = sub_model("other top", std::nullopt);
	store_->create_configuration({0, "plain", "", {plain.id}, ""});
	Model moved = store_->get_model(plain.id);
	moved.distributed = true;
	moved.father = other_top.id;
	EXPECT_THROW(store_->update_model(moved), Conflict);
	finish(*store_, trained.at(0).id);
	store_->delete_deployment(deployment.id);
	store_->update_model(changed);

	// A father is not deleted from under its sub-model; bottom up works.
	EXPECT_THROW(store_->delete_model(fog.id), Conflict);
	store_->delete_configuration(configuration.id);
	store_->delete_model(edge.id);
	store_->delete_model(fog.id);
	EXPECT_EQ(store_->submodel_chain(cloud.id).size(), 1u);
	store_->delete_model(cloud.id);
}

TEST_P(StoreTest, ConfigurationKeepsModelOrderAndChecksReferences) {
	auto a = store_->create_model(make_model("a"));
	auto b = store_->create_model(make_model("b"));
	auto c = store_->create_configuration({0, "conf", "", {b.id, a.id, b.id}, ""});
	EXPECT_EQ(store_->get_configuration(c.id).ml_models, (std::vector<int64_t>{b.id, a.id, b.id}));
	EXPECT_THROW(store_->create_configuration({0, "bad", "", {a.id, 12345}, ""}), InvalidArgument);
	EXPECT_EQ(store_->list_configurations().size(), 1u) << "the failed create must leave nothing behind";
	EXPECT_THROW(store_->delete_model(a.id), Conflict);
	c.ml_models = {a.id};
	c.name = "renamed";
	auto updated = store_->update_configuration(c);
	EXPECT_EQ(updated.ml_models, std::vector<int64_t>{a.id});
	EXPECT_EQ(updated.name, "renamed");
	store_->delete_model(b.id);
	store_->delete_configuration(c.id);
	EXPECT_THROW(store_->get_configuration(c.id), NotFound);
}

TEST_P(StoreTest, DeploymentCreatesOneResultPerModel) {
	auto [deployment, results] = deploy_two(*store_);
	ASSERT_EQ(results.size(), 2u);
	for (const auto &r : results) {
		EXPECT_EQ(r.status, ResultStatus::Created);
		EXPECT_EQ(r.deployment, deployment.id);
		EXPECT_EQ(r.trained_model_size, -1);
	}
	auto read = store_->get_deployment(deployment.id);
	EXPECT_EQ(read.batch, 10);
	EXPECT_EQ(read.kwargs_fit, "epochs=5, steps_per_epoch=1000");
	EXPECT_EQ(read.kwargs_fit_parsed["steps_per_epoch"], 1000);
	EXPECT_EQ(store_->list_results(deployment.id).size(), 2u);
	EXPECT_EQ(store_->list_results(deployment.id + 100).size(), 0u);
	EXPECT_THROW(store_->delete_configuration(read.configuration), Conflict);
	Deployment bad;
	bad.configuration = 777;
	EXPECT_THROW(store_->create_deployment(bad), InvalidArgument);
}

TEST_P(StoreTest, ADeploymentKeepsItsTrainingModeAndItsParameters) {
	auto batch = deploy_two(*store_).first;
	EXPECT_EQ(batch.mode, "batch");
	EXPECT_EQ(batch.stream_timeout, 60000);
	auto model = store_->create_model(make_model("online"));
	auto configuration = store_->create_configuration({0, "o", "", {model.id}, ""});
	Deployment d;
	d.configuration = configuration.id;
	d.mode = "indefinite";
	d.stream_timeout = 1500;
	d.window_size = 64;
	d.monitoring_metric = "accuracy";
	d.change = "up";
	d.improvement = 0.125;
	auto created = store_->create_deployment(d).first;
	auto read = store_->get_deployment(created.id);
	EXPECT_EQ(read.mode, "indefinite");
	EXPECT_EQ(read.stream_timeout, 1500);
	EXPECT_EQ(read.window_size, 64);
	EXPECT_EQ(read.monitoring_metric, "accuracy");
	EXPECT_EQ(read.change, "up");
	EXPECT_DOUBLE_EQ(read.improvement, 0.125);
	EXPECT_FALSE(read.version_every_records) << "unset: versions only on improvement";
	EXPECT_EQ(store_->get_deployment(batch.id).mode, "batch");
	d.version_every_records = 5000;
	EXPECT_EQ(store_->get_deployment(store_->create_deployment(d).first.id).version_every_records, 5000);

	EXPECT_TRUE(read.drift_detection) << "on by default";
	EXPECT_DOUBLE_EQ(read.drift_threshold, 100);
	EXPECT_DOUBLE_EQ(read.drift_delta, 0.005);
	EXPECT_EQ(read.drift_response, "none");
	d.drift_detection = false;
	d.drift_threshold = 12.5;
	d.drift_delta = 0.25;
	d.drift_response = "boost_learning_rate";
	auto drifting = store_->get_deployment(store_->create_deployment(d).first.id);
	EXPECT_FALSE(drifting.drift_detection);
	EXPECT_DOUBLE_EQ(drifting.drift_threshold, 12.5);
	EXPECT_DOUBLE_EQ(drifting.drift_delta, 0.25);
	EXPECT_EQ(drifting.drift_response, "boost_learning_rate");

	EXPECT_EQ(read.resources, Resources{}) << "no limits unless asked";
	d.resources = {.cpu = 1.5, .memory = 512 * 1048576};
	EXPECT_EQ(store_->get_deployment(store_->create_deployment(d).first.id).resources, d.resources);
}

TEST_P(StoreTest, ADeployedModelCannotChange) {
	auto [deployment, results] = deploy_two(*store_);
	auto model = store_->get_model(results[0].model);
	model.code = "model = changed";
	EXPECT_THROW(store_->update_model(model), Conflict);
	EXPECT_NE(store_->get_model(model.id).code, "model = changed");
	auto free = store_->create_model(make_model("free"));
	free.description = "changed";
	EXPECT_EQ(store_->update_model(free).description, "changed");
	free.id = 999;
	EXPECT_THROW(store_->update_model(free), NotFound);
}

TEST_P(StoreTest, AModelsTorchScriptModuleIsKeptAndFrozenOnceDeployed) {
	auto model = make_model("from pytorch");
	model.framework = "pytorch";
	model.code = "loss='mse'";
	auto created = store_->create_model(model);
	EXPECT_EQ(created.module_size, -1);
	EXPECT_FALSE(store_->get_model_module(created.id));
	std::string bytes("PK\x03\x04\0binary", 12);
	store_->put_model_module(created.id, bytes);
	EXPECT_EQ(store_->get_model_module(created.id), bytes);
	EXPECT_EQ(store_->get_model(created.id).module_size, 12);
	EXPECT_EQ(store_->list_models().back().module_size, 12);
	EXPECT_THROW(store_->put_model_module(999, bytes), NotFound);

	auto [deployment, results] = deploy_two(*store_);
	EXPECT_THROW(store_->put_model_module(results[0].model, bytes), Conflict);
}

TEST_P(StoreTest, AModelsWeightsFileIsKeptAndFrozenOnceDeployed) {
	auto created = store_->create_model(make_model("with a pretrained base"));
	EXPECT_EQ(created.weights_size, -1);
	EXPECT_FALSE(store_->get_model_weights(created.id));
	std::string bytes("\x89HDF\r\n\x1a\n\0weights", 16);
	store_->put_model_weights(created.id, bytes);
	EXPECT_EQ(store_->get_model_weights(created.id), bytes);
	EXPECT_EQ(store_->get_model(created.id).weights_size, 16);
	EXPECT_EQ(store_->list_models().back().weights_size, 16);
	EXPECT_EQ(store_->get_model(created.id).module_size, -1) << "a weights file is no module";
	std::string replaced("\x89HDF\r\n\x1a\nother", 13);
	store_->put_model_weights(created.id, replaced);
	EXPECT_EQ(store_->get_model_weights(created.id), replaced);
	EXPECT_THROW(store_->put_model_weights(999, bytes), NotFound);
	EXPECT_THROW(store_->get_model_weights(999), NotFound);

	auto [deployment, results] = deploy_two(*store_);
	EXPECT_THROW(store_->put_model_weights(results[0].model, bytes), Conflict);
}

TEST_P(StoreTest, ResultStatusMachine) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	EXPECT_THROW(store_->update_result_status(id, ResultStatus::Running), Conflict);
	EXPECT_THROW(store_->update_result_status(id, ResultStatus::Finished), Conflict);
	store_->update_result_status(id, ResultStatus::Deployed);
	store_->update_result_status(id, ResultStatus::Running);
	store_->update_result_status(id, ResultStatus::Running); // a restarted job says it again
	ResultReport report;
	report.train_metrics = nlohmann::json{{"loss", 0.25}, {"accuracy", 0.9}};
	report.test_metrics = nlohmann::json{{"loss", 0.3}};
	report.training_time = 2.5;
	auto done = store_->update_result_status(id, ResultStatus::Finished, report);
	EXPECT_EQ(done.status, ResultStatus::Finished);
	EXPECT_EQ(done.train_metrics["accuracy"], 0.9);
	EXPECT_EQ(done.test_metrics["loss"], 0.3);
	EXPECT_EQ(done.val_metrics, nlohmann::json::object());
	ASSERT_TRUE(done.training_time);
	EXPECT_DOUBLE_EQ(*done.training_time, 2.5);
	EXPECT_THROW(store_->update_result_status(id, ResultStatus::Stopped), Conflict);
	EXPECT_THROW(store_->update_result_status(id, ResultStatus::Running), Conflict);
	EXPECT_THROW(store_->update_result_status(9999, ResultStatus::Running), NotFound);
	// The other result stops straight from created.
	EXPECT_EQ(store_->update_result_status(results[1].id, ResultStatus::Stopped, {.detail = "by user"}).status_detail,
	          "by user");
}

TEST_P(StoreTest, EpochsAppendReplaceAndCloseWithTheResult) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	store_->update_result_status(id, ResultStatus::Deployed);
	store_->update_result_status(id, ResultStatus::Running);
	store_->append_epoch(id, {2, {{"loss", 0.5}}, ""});
	store_->append_epoch(id, {1, {{"loss", 0.9}}, ""});
	store_->append_epoch(id, {2, {{"loss", 0.4}}, ""}); // re-sent after a restart
	auto read = store_->get_result(id);
	ASSERT_EQ(read.epochs.size(), 2u);
	EXPECT_EQ(read.epochs[0].epoch, 1);
	EXPECT_EQ(read.epochs[1].metrics["loss"], 0.4);
	store_->update_result_status(id, ResultStatus::Failed, {.detail = "out of memory"});
	EXPECT_THROW(store_->append_epoch(id, {3, {}, ""}), Conflict);
	EXPECT_THROW(store_->append_epoch(4242, {1, {}, ""}), NotFound);
}

TEST_P(StoreTest, EpochBatchesLandTogetherAndReplaceEarlierReports) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	store_->update_result_status(id, ResultStatus::Deployed);
	store_->update_result_status(id, ResultStatus::Running);
	std::vector<EpochMetrics> batch;
	for (int64_t i = 1; i <= 300; i++) {
		batch.push_back({i, {{"loss", 1.0 / double(i)}}, ""});
	}
	store_->append_epochs(id, batch);
	store_->append_epochs(id, {{300, {{"loss", 0.0}}, ""}, {301, {{"loss", 0.1}}, ""}});
	auto read = store_->get_result(id);
	ASSERT_EQ(read.epochs.size(), 301u);
	EXPECT_EQ(read.epochs[0].metrics["loss"], 1.0);
	EXPECT_EQ(read.epochs[299].metrics["loss"], 0.0);
	EXPECT_EQ(read.epochs[300].epoch, 301);
	store_->update_result_status(id, ResultStatus::Stopped);
	EXPECT_THROW(store_->append_epochs(id, batch), Conflict);
	EXPECT_EQ(store_->get_result(id).epochs.size(), 301u);

	// Asked for by part: a client polling wants only what is new.
	auto last = store_->get_result(id, {.which = EpochQuery::Which::last});
	ASSERT_EQ(last.epochs.size(), 1u);
	EXPECT_EQ(last.epochs[0].epoch, 301);
	EXPECT_EQ(last.epoch_count, 301);
	ASSERT_TRUE(last.last_epoch);
	EXPECT_EQ(last.last_epoch->metrics["loss"], 0.1);
	EXPECT_TRUE(store_->get_result(id, {.which = EpochQuery::Which::none}).epochs.empty());
	auto since = store_->get_result(id, {.after = 298});
	ASSERT_EQ(since.epochs.size(), 3u);
	EXPECT_EQ(since.epochs[0].epoch, 299);
	auto listed = store_->list_results(deployment.id);
	EXPECT_TRUE(listed[0].epochs.empty());
	EXPECT_EQ(listed[0].epoch_count, 301);
	EXPECT_EQ(listed[0].last_epoch->epoch, 301);
	EXPECT_EQ(listed[1].epoch_count, 0);
	EXPECT_FALSE(listed[1].last_epoch);
}

TEST_P(StoreTest, TrainedModelBlobRoundTripsEveryByte) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	EXPECT_FALSE(store_->get_trained_model(id));
	std::string bytes;
	for (int i = 0; i < 70000; i++) {
		bytes.push_back(char(i * 7 % 256));
	}
	store_->put_trained_model(id, bytes);
	EXPECT_EQ(store_->get_trained_model(id), bytes);
	EXPECT_EQ(store_->get_result(id).trained_model_size, 70000);
	store_->put_trained_model(id, std::string("\0\x01", 2));
	EXPECT_EQ(store_->get_trained_model(id), std::string("\0\x01", 2));
	EXPECT_THROW(store_->put_trained_model(5555, "x"), NotFound);
}

TEST_P(StoreTest, ResultVersionsKeepTheirModelAndARepeatedVersionIsNotAddedTwice) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	EXPECT_TRUE(store_->list_result_versions(id).empty());
	std::string bytes;
	for (int i = 0; i < 5000; i++) {
		bytes.push_back(char(i * 13 % 256));
	}
	ResultVersion first;
	first.version = 1;
	first.records = 200;
	first.metrics = {{"prequential_loss", 0.75}};
	auto [stored, created] = store_->add_result_version(id, first, bytes);
	EXPECT_TRUE(created);
	EXPECT_EQ(stored.result, id);
	EXPECT_EQ(stored.version, 1);
	EXPECT_EQ(stored.records, 200);
	EXPECT_EQ(stored.size, 5000);
	EXPECT_FALSE(stored.created_at.empty());

	// A job that lost the answer sends version 1 again: still one version 1,
	// as first stored.
	ResultVersion again = first;
	again.records = 999;
	auto [kept, created_again] = store_->add_result_version(id, again, "other bytes");
	EXPECT_FALSE(created_again);
	EXPECT_EQ(kept.records, 200);
	ResultVersion second;
	second.version = 2;
	second.records = 1200;
	second.metrics = {{"prequential_loss", 0.5}, {"prequential_accuracy", 0.8}};
	store_->add_result_version(id, second, std::string("\0\x02", 2));

	auto listed = store_->list_result_versions(id);
	ASSERT_EQ(listed.size(), 2u);
	EXPECT_EQ(listed[0].version, 1);
	EXPECT_EQ(listed[0].records, 200);
	EXPECT_EQ(listed[1].version, 2);
	EXPECT_EQ(listed[1].metrics, second.metrics);
	EXPECT_EQ(listed[1].size, 2);
	EXPECT_EQ(store_->get_result_version_model(id, 1), bytes);
	EXPECT_EQ(store_->get_result_version_model(id, 2), std::string("\0\x02", 2));
	EXPECT_FALSE(store_->get_result_version_model(id, 3));
	EXPECT_TRUE(store_->list_result_versions(results[1].id).empty()) << "versions belong to their result";
	EXPECT_THROW(store_->list_result_versions(5555), NotFound);
	EXPECT_THROW(store_->get_result_version_model(5555, 1), NotFound);
	EXPECT_THROW(store_->add_result_version(5555, first, "x"), NotFound);

	// Versions come while it trains; once ended it has all it will have,
	// and they go with it.
	store_->update_result_status(id, ResultStatus::Stopped);
	ResultVersion late = second;
	late.version = 3;
	EXPECT_THROW(store_->add_result_version(id, late, "x"), Conflict);
	EXPECT_EQ(store_->list_result_versions(id).size(), 2u);
	store_->delete_result(id);
	EXPECT_THROW(store_->list_result_versions(id), NotFound);
}

// A version's training state comes after it (the job stores the version,
// then the state): the first one sent stays, and a version stored before
// training states has none.
TEST_P(StoreTest, AVersionKeepsTheFirstTrainingStateSentForIt) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	ResultVersion first;
	first.version = 1;
	first.records = 200;
	store_->add_result_version(id, first, "model 1");
	EXPECT_EQ(store_->get_result_version_state(id, 1), std::string()) << "none yet";
	EXPECT_EQ(store_->list_result_versions(id).at(0).state_size, 0);

	std::string state("KAFKAMLS\0\x01state", 15);
	auto stored = store_->set_result_version_state(id, 1, state);
	ASSERT_TRUE(stored);
	EXPECT_TRUE(stored->second);
	EXPECT_EQ(stored->first.version, 1);
	EXPECT_EQ(stored->first.state_size, 15);
	EXPECT_EQ(store_->get_result_version_state(id, 1), state);
	EXPECT_EQ(store_->get_result_version_model(id, 1), "model 1") << "the model stays the model";
	EXPECT_EQ(store_->list_result_versions(id).at(0).state_size, 15);
	EXPECT_EQ(store_->get_result_version(id, 1)->state_size, 15);
	EXPECT_EQ(store_->latest_result_version(id)->state_size, 15);

	// Sent again after a lost answer, or different: the first one stays.
	auto again = store_->set_result_version_state(id, 1, "another state");
	ASSERT_TRUE(again);
	EXPECT_FALSE(again->second);
	EXPECT_EQ(again->first.state_size, 15);
	EXPECT_EQ(store_->get_result_version_state(id, 1), state);

	EXPECT_FALSE(store_->set_result_version_state(id, 2, state)) << "no version 2";
	EXPECT_FALSE(store_->get_result_version_state(id, 2));
	EXPECT_THROW(store_->set_result_version_state(5555, 1, state), NotFound);
	EXPECT_THROW(store_->get_result_version_state(5555, 1), NotFound);

	ResultVersion second = first;
	second.version = 2;
	store_->add_result_version(id, second, "model 2");
	store_->update_result_status(id, ResultStatus::Stopped);
	EXPECT_THROW(store_->set_result_version_state(id, 2, state), Conflict) << "no run resumes an ended result";
	EXPECT_EQ(store_->get_result_version_state(id, 2), std::string());
	EXPECT_EQ(store_->get_result_version_state(id, 1), state) << "readable after it ended";
}

TEST_P(StoreTest, AVersionKeepsWhereItsRunStoodAndAResumedRunDropsOnlyTheEpochsAfterIt) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	store_->update_result_status(id, ResultStatus::Deployed);
	store_->update_result_status(id, ResultStatus::Running, {.new_run = true});
	for (int64_t window = 1; window <= 5; window++) {
		store_->append_epoch(id, {window, {{"records", 100.0 * double(window)}}, ""});
	}
	ResultVersion cut;
	cut.version = 1;
	cut.records = 300;
	cut.metrics = {{"prequential_loss", 0.4}};
	cut.epoch = 3;
	cut.prequential = {{"prequential_loss", 0.55}};
	cut.training_time = 1.25;
	cut.offsets = {{{"topic", "t"}, {"partition", 0}, {"offset", 180}},
	               {{"topic", "t"}, {"partition", 1}, {"offset", 121}}};
	store_->add_result_version(id, cut, "model");
	auto listed = store_->list_result_versions(id).at(0);
	EXPECT_EQ(listed.epoch, 3);
	EXPECT_EQ(listed.prequential, cut.prequential);
	EXPECT_EQ(listed.training_time, 1.25);
	EXPECT_EQ(listed.offsets, cut.offsets);

	// The job was killed after window 5 and resumes from version 1: windows
	// 4 and 5 will be learned again, so they go; 1 to 3 stay.
	EXPECT_THROW(store_->update_result_status(id, ResultStatus::Running, {.new_run = true, .resume_version = 2}),
	             InvalidArgument);
	EXPECT_EQ(store_->get_result(id).epochs.size(), 5u) << "a refused resume drops nothing";
	store_->update_result_status(id, ResultStatus::Running, {.new_run = true, .resume_version = 1});
	auto epochs = store_->get_result(id).epochs;
	ASSERT_EQ(epochs.size(), 3u);
	EXPECT_EQ(epochs.back().epoch, 3);
	// A run from the start drops them all.
	store_->update_result_status(id, ResultStatus::Running, {.new_run = true});
	EXPECT_TRUE(store_->get_result(id).epochs.empty());
}

TEST_P(StoreTest, ResultDriftsAreKeptByRecordsOnceEach) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	EXPECT_TRUE(store_->list_result_drifts(id).empty());
	EXPECT_TRUE(store_->count_result_drifts().empty());
	ResultDrift later;
	later.records = 6400;
	later.error_before = 0.125;
	later.error_after = 0.875;
	later.measure = "1 - accuracy";
	later.response = "reset_optimizer";
	auto [stored, created] = store_->add_result_drift(id, later);
	EXPECT_TRUE(created);
	EXPECT_EQ(stored.result, id);
	EXPECT_EQ(stored.records, 6400);
	EXPECT_DOUBLE_EQ(stored.error_before, 0.125);
	EXPECT_DOUBLE_EQ(stored.error_after, 0.875);
	EXPECT_EQ(stored.measure, "1 - accuracy");
	EXPECT_EQ(stored.response, "reset_optimizer");
	EXPECT_FALSE(stored.created_at.empty());

	// A job that lost the answer reports it again: still one, as first stored.
	ResultDrift again = later;
	again.error_after = 0.5;
	auto [kept, created_again] = store_->add_result_drift(id, again);
	EXPECT_FALSE(created_again);
	EXPECT_DOUBLE_EQ(kept.error_after, 0.875);
	ResultDrift earlier = later;
	earlier.records = 3200;
	earlier.measure = "loss";
	earlier.error_before = 0.3;
	earlier.error_after = 2.5;
	store_->add_result_drift(id, earlier);
	ResultDrift other = earlier;
	store_->add_result_drift(results[1].id, other);

	auto listed = store_->list_result_drifts(id);
	ASSERT_EQ(listed.size(), 2u);
	EXPECT_EQ(listed[0].records, 3200) << "by records";
	EXPECT_EQ(listed[0].measure, "loss");
	EXPECT_DOUBLE_EQ(listed[0].error_after, 2.5);
	EXPECT_EQ(listed[1].records, 6400);
	EXPECT_EQ(store_->count_result_drifts(), (std::vector<std::pair<int64_t, int64_t>>{{id, 2}, {results[1].id, 1}}));
	EXPECT_THROW(store_->list_result_drifts(5555), NotFound);
	EXPECT_THROW(store_->add_result_drift(5555, later), NotFound);

	// Drifts come while it trains, and go with the result.
	store_->update_result_status(id, ResultStatus::Stopped);
	ResultDrift late = later;
	late.records = 9000;
	EXPECT_THROW(store_->add_result_drift(id, late), Conflict);
	EXPECT_EQ(store_->list_result_drifts(id).size(), 2u);
	store_->delete_result(id);
	EXPECT_THROW(store_->list_result_drifts(id), NotFound);
	EXPECT_EQ(store_->count_result_drifts(), (std::vector<std::pair<int64_t, int64_t>>{{results[1].id, 1}}));
}

TEST_P(StoreTest, AStoppedResultServesOnlyWhenItKeptItsModel) {
	auto [deployment, results] = deploy_two(*store_);
	Inference i;
	i.replicas = 1;
	i.input_format = "RAW";
	i.input_config = {{"data_type", "float32"}};
	i.input_topic = "in";
	i.output_topic = "out";
	i.dead_letter_topic = "in-dlq";
	for (const auto &result : results) {
		store_->update_result_status(result.id, ResultStatus::Deployed);
		store_->update_result_status(result.id, ResultStatus::Running);
	}
	// A continual training uploads what it learned, then reports stopped.
	store_->put_trained_model(results[0].id, "model");
	store_->update_result_status(results[0].id, ResultStatus::Stopped);
	store_->update_result_status(results[1].id, ResultStatus::Stopped);

	i.model_result = results[1].id;
	try {
		store_->create_inference(i);
		FAIL() << "a stopped result without a model has nothing to serve";
	} catch (const Conflict &e) {
		EXPECT_NE(std::string(e.what()).find("stopped without a trained model"), std::string::npos) << e.what();
	}
	i.model_result = results[0].id;
	auto created = store_->create_inference(i);
	EXPECT_EQ(created.status, InferenceStatus::Deployed);
	EXPECT_EQ(created.resources, Resources{});
	i.resources = {.cpu = 0.25, .memory = 2 * 1073741824LL};
	EXPECT_EQ(store_->get_inference(store_->create_inference(i).id).resources, i.resources);
}

//! An inference of result `id` following its latest version.
static Inference following_inference(int64_t id) {
	Inference i;
	i.model_result = id;
	i.input_format = "RAW";
	i.input_topic = "in";
	i.output_topic = "out";
	i.dead_letter_topic = "in-dlq";
	i.served = ServedModel::Latest;
	return i;
}

TEST_P(StoreTest, AnInferenceFollowsTheLatestVersionOrPinsOneThatExists) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	store_->update_result_status(id, ResultStatus::Deployed);
	store_->update_result_status(id, ResultStatus::Running);
	EXPECT_FALSE(store_->latest_result_version(id));
	// Still training, no version yet: its replicas wait for the first.
	Inference i = following_inference(id);
	auto following = store_->create_inference(i);
	EXPECT_EQ(following.served, ServedModel::Latest);
	EXPECT_EQ(store_->get_inference(following.id).served, ServedModel::Latest);
	i.served = ServedModel::Pinned;
	i.pinned_version = 1;
	try {
		store_->create_inference(i);
		FAIL() << "version 1 does not exist yet";
	} catch (const InvalidArgument &e) {
		EXPECT_NE(std::string(e.what()).find("it has none yet"), std::string::npos) << e.what();
	}

	for (int64_t v = 1; v <= 3; ++v) {
		ResultVersion version;
		version.version = v;
		version.records = 100 * v;
		store_->add_result_version(id, version, "model " + std::to_string(v));
	}
	EXPECT_EQ(store_->latest_result_version(id)->version, 3);
	EXPECT_EQ(store_->latest_result_version(id)->records, 300);
	EXPECT_EQ(store_->get_result_version(id, 2)->records, 200);
	EXPECT_FALSE(store_->get_result_version(id, 4));
	EXPECT_THROW(store_->latest_result_version(5555), NotFound);

	i.pinned_version = 2;
	auto pinned = store_->create_inference(i);
	EXPECT_EQ(pinned.served, ServedModel::Pinned);
	EXPECT_EQ(store_->get_inference(pinned.id).pinned_version, 2);
	auto moved = store_->set_inference_served_model(following.id, ServedModel::Pinned, 1);
	EXPECT_EQ(moved.served, ServedModel::Pinned);
	EXPECT_EQ(moved.pinned_version, 1);
	try {
		store_->set_inference_served_model(following.id, ServedModel::Pinned, 9);
		FAIL() << "there is no version 9";
	} catch (const InvalidArgument &e) {
		EXPECT_NE(std::string(e.what()).find("it has versions 1 to 3"), std::string::npos) << e.what();
	}
	EXPECT_EQ(store_->set_inference_served_model(following.id, ServedModel::Latest).served, ServedModel::Latest);
	EXPECT_THROW(store_->set_inference_served_model(following.id, ServedModel::Trained), InvalidArgument);

	// A batch result's inference has one model: nothing to pin.
	finish(*store_, results[1].id);
	Inference batch = i;
	batch.model_result = results[1].id;
	batch.served = ServedModel::Trained;
	auto trained = store_->create_inference(batch);
	EXPECT_EQ(trained.served, ServedModel::Trained);
	EXPECT_THROW(store_->set_inference_served_model(trained.id, ServedModel::Pinned, 1), Conflict);
	store_->update_inference_status(following.id, InferenceStatus::Stopped);
	EXPECT_THROW(store_->set_inference_served_model(following.id, ServedModel::Pinned, 1), Conflict);
}

TEST_P(StoreTest, AFailedContinualResultWithoutAVersionHasNothingToFollow) {
	auto [deployment, results] = deploy_two(*store_);
	int64_t id = results[0].id;
	store_->update_result_status(id, ResultStatus::Deployed);
	store_->update_result_status(id, ResultStatus::Failed);
	Inference i = following_inference(id);
	try {
		store_->create_inference(i);
		FAIL() << "a failed result without versions has nothing to serve";
	} catch (const Conflict &e) {
		EXPECT_NE(std::string(e.what()).find("without any model version"), std::string::npos) << e.what();
	}
}

TEST_P(StoreTest, InferenceOnlyFromFinishedResultAndItsLifecycle) {
	auto [deployment, results] = deploy_two(*store_);
	Inference i;
	i.model_result = results[0].id;
	i.replicas = 2;
	i.input_format = "RAW";
	i.input_config = {{"data_type", "float32"}};
	i.input_topic = "in";
	i.output_topic = "out";
	i.dead_letter_topic = "in-dlq";
	EXPECT_THROW(store_->create_inference(i), Conflict);
	finish(*store_, results[0].id);
	i.replicas = 0;
	EXPECT_THROW(store_->create_inference(i), InvalidArgument);
	i.replicas = 2;
	auto created = store_->create_inference(i);
	EXPECT_EQ(created.status, InferenceStatus::Deployed);
	EXPECT_EQ(created.input_config["data_type"], "float32");
	EXPECT_EQ(store_->set_inference_replicas(created.id, 4).replicas, 4);
	EXPECT_THROW(store_->set_inference_replicas(created.id, 0), InvalidArgument);
	EXPECT_THROW(store_->delete_inference(created.id), Conflict);
	EXPECT_THROW(store_->delete_result(results[0].id), Conflict) << "used by the inference";
	EXPECT_THROW(store_->update_result_status(results[1].id, ResultStatus::Finished), Conflict);
	store_->update_inference_status(created.id, InferenceStatus::Running);
	store_->update_inference_status(created.id, InferenceStatus::Stopped, "by user");
	EXPECT_THROW(store_->update_inference_status(created.id, InferenceStatus::Running), Conflict);
	EXPECT_THROW(store_->set_inference_replicas(created.id, 2), Conflict);
	EXPECT_THROW(store_->delete_deployment(deployment.id), Conflict) << "result 2 is still created";
	store_->update_result_status(results[1].id, ResultStatus::Stopped);
	EXPECT_THROW(store_->delete_deployment(deployment.id), Conflict) << "the inference uses result 1";
	store_->delete_inference(created.id);
	store_->delete_deployment(deployment.id);
	EXPECT_THROW(store_->get_result(results[0].id), NotFound);
	EXPECT_TRUE(store_->list_results().empty());
}

TEST_P(StoreTest, ADatasourceIsDeletedOnlyOnceItsDeploymentNoLongerReadsIt) {
	auto [deployment, results] = deploy_two(*store_);
	Datasource d;
	d.deployment = deployment.id;
	d.topic = "hcopd:0:0:239";
	d.input_format = "RAW";
	auto recorded = store_->add_datasource(d);
	finish(*store_, results[0].id);
	try {
		store_->delete_datasource(recorded.id);
		FAIL() << "result 2 is still created: its job may read the stream";
	} catch (const Conflict &e) {
		EXPECT_NE(std::string(e.what()).find("result(s) " + std::to_string(results[1].id)), std::string::npos)
		    << e.what();
	}
	EXPECT_EQ(store_->list_datasources().size(), 1u);
	store_->update_result_status(results[1].id, ResultStatus::Stopped);
	store_->delete_datasource(recorded.id);
	EXPECT_TRUE(store_->list_datasources().empty());
	EXPECT_THROW(store_->get_datasource(recorded.id), NotFound);
	EXPECT_THROW(store_->delete_datasource(recorded.id), NotFound);
	EXPECT_FALSE(store_->latest_datasource(deployment.id));
}

TEST_P(StoreTest, DatasourcesAndLatestPerDeployment) {
	Datasource d;
	d.deployment = 3;
	d.topic = "hcopd:0:0:239";
	d.input_format = "AVRO";
	d.input_config = {{"data_scheme", "{}"}};
	d.validation_rate = 0.1;
	d.total_msg = 239;
	auto first = store_->add_datasource(d);
	d.topic = "hcopd:0:239:478";
	auto second = store_->add_datasource(d);
	EXPECT_GT(second.id, first.id);
	EXPECT_EQ(store_->latest_datasource(3)->topic, "hcopd:0:239:478");
	EXPECT_DOUBLE_EQ(store_->get_datasource(first.id).validation_rate, 0.1);
	EXPECT_FALSE(store_->latest_datasource(4));
	EXPECT_EQ(store_->list_datasources().size(), 2u);
	EXPECT_THROW(store_->get_datasource(99), NotFound);

	// One control message read twice gives one datasource.
	d.control_message = "kafkaml-control/0@17";
	auto recorded = store_->add_datasource(d);
	EXPECT_EQ(store_->add_datasource(d).id, recorded.id);
	EXPECT_EQ(store_->get_datasource(recorded.id).control_message, "kafkaml-control/0@17");
	EXPECT_EQ(store_->list_datasources().size(), 3u);
}

TEST_P(StoreTest, SettingsAndFirstTokenWins) {
	EXPECT_FALSE(store_->get_setting("admin_token"));
	EXPECT_EQ(store_->put_setting_if_absent("admin_token", "first"), "first");
	EXPECT_EQ(store_->put_setting_if_absent("admin_token", "second"), "first");
	store_->put_setting("other", "1");
	store_->put_setting("other", "2");
	EXPECT_EQ(store_->get_setting("other"), "2");
}

TEST_P(StoreTest, JobsUpsertByKindOwnerReplica) {
	Job j;
	j.kind = JobKind::Inference;
	j.owner = 7;
	j.replica = 1;
	j.pid = 1234;
	j.host = "localhost";
	auto first = store_->upsert_job(j);
	j.restarts = 3;
	j.pid.reset();
	j.desired_state = "stopped";
	auto second = store_->upsert_job(j);
	EXPECT_EQ(first.id, second.id);
	EXPECT_EQ(second.restarts, 3);
	EXPECT_FALSE(second.pid);
	j.replica = 0;
	store_->upsert_job(j);
	auto all = store_->list_jobs();
	ASSERT_EQ(all.size(), 2u);
	EXPECT_EQ(all[0].kind, JobKind::Inference);
	store_->delete_job(first.id);
	EXPECT_EQ(store_->list_jobs().size(), 1u);
}

TEST_P(StoreTest, AJobAskedForIsAddedOnceAndKeepsItsPid) {
	Coordination other(url_); // another server's
	Job j;
	j.kind = JobKind::Inference;
	j.owner = 3;
	j.replica = 0;
	j.pid = 4321;
	store_->upsert_job(j);
	Job asked = j;
	asked.pid.reset();
	EXPECT_FALSE(other.add_job_if_absent(asked)) << "a running job's record is left as it is";
	asked.replica = 1;
	EXPECT_TRUE(other.add_job_if_absent(asked));
	auto all = store_->list_jobs();
	ASSERT_EQ(all.size(), 2u);
	EXPECT_EQ(all[0].pid, 4321);
	EXPECT_FALSE(all[1].pid);
	EXPECT_EQ(all[1].desired_state, "running");
}

TEST_P(StoreTest, ALeaseIsHeldByOneServerUntilItExpiresOrIsReleased) {
	Coordination mine(url_);
	Coordination other(url_); // a second server's
	EXPECT_EQ(mine.get_lease("orchestrator").holder, "");
	auto a = mine.acquire_lease("orchestrator", "a", "http://a", 60000);
	EXPECT_EQ(a.holder, "a");
	EXPECT_EQ(a.address, "http://a");
	EXPECT_EQ(a.term, 1);
	EXPECT_GT(a.expires_in_ms, 50000);
	EXPECT_LE(a.expires_in_ms, 60000);
	auto refused = other.acquire_lease("orchestrator", "b", "http://b", 60000);
	EXPECT_EQ(refused.holder, "a") << "held and not expired";
	EXPECT_EQ(refused.term, 1);
	EXPECT_EQ(mine.acquire_lease("orchestrator", "a", "http://a", 60000).term, 1) << "a renewal keeps the term";
	EXPECT_EQ(other.acquire_lease("elsewhere", "b", "http://b", 60000).holder, "b") << "leases are by name";

	// Expired: the next to ask takes it, with a new term.
	mine.acquire_lease("orchestrator", "a", "http://a", 1);
	std::this_thread::sleep_for(std::chrono::milliseconds(20));
	EXPECT_LE(mine.get_lease("orchestrator").expires_in_ms, 0);
	auto b = other.acquire_lease("orchestrator", "b", "http://b", 60000);
	EXPECT_EQ(b.holder, "b");
	EXPECT_EQ(b.term, 2);
	EXPECT_EQ(mine.acquire_lease("orchestrator", "a", "http://a", 60000).holder, "b");

	// Released by another than its holder: nothing; by its holder: free.
	mine.release_lease("orchestrator", "a");
	EXPECT_EQ(mine.acquire_lease("orchestrator", "a", "http://a", 60000).holder, "b");
	other.release_lease("orchestrator", "b");
	auto again = mine.acquire_lease("orchestrator", "a", "http://a", 60000);
	EXPECT_EQ(again.holder, "a");
	EXPECT_EQ(again.term, 3);
}

TEST_P(StoreTest, OfServersAskingForALeaseAtOnceExactlyOneGetsIt) {
	constexpr int kServers = 4;
	std::vector<std::unique_ptr<Coordination>> servers;
	for (int i = 0; i < kServers; i++) {
		servers.push_back(std::make_unique<Coordination>(url_));
	}
	std::vector<std::string> seen(kServers);
	std::vector<std::thread> threads;
	for (int i = 0; i < kServers; i++) {
		threads.emplace_back([&, i] {
			seen[size_t(i)] =
			    servers[size_t(i)]->acquire_lease("orchestrator", "s" + std::to_string(i), "", 60000).holder;
		});
	}
	for (auto &thread : threads) {
		thread.join();
	}
	auto lease = servers[0]->get_lease("orchestrator");
	int winners = 0;
	for (int i = 0; i < kServers; i++) {
		winners += seen[size_t(i)] == "s" + std::to_string(i);
		EXPECT_EQ(seen[size_t(i)], lease.holder) << "every server sees the one holder";
	}
	EXPECT_EQ(winners, 1);
	EXPECT_EQ(lease.term, 1);
}

TEST_P(StoreTest, RestartsAreCountedWithTheLastExit) {
	auto [deployment, results] = deploy_two(*store_);
	EXPECT_EQ(store_->get_result(results[0].id).restarts, 0);
	store_->record_restart(JobKind::Training, results[0].id, "exit status 3");
	store_->record_restart(JobKind::Training, results[0].id, "signal 9");
	auto result = store_->get_result(results[0].id);
	EXPECT_EQ(result.restarts, 2);
	EXPECT_EQ(result.last_exit, "signal 9");
	EXPECT_EQ(store_->list_results()[1].restarts, 0) << "the other result";
	finish(*store_, results[0].id);
	Inference i;
	i.model_result = results[0].id;
	i.input_format = "RAW";
	i.input_topic = "in";
	i.output_topic = "out";
	auto inference = store_->create_inference(i);
	store_->record_restart(JobKind::Inference, inference.id, "replica 1: signal 9");
	EXPECT_EQ(store_->get_inference(inference.id).restarts, 1);
	EXPECT_EQ(store_->list_inferences()[0].last_exit, "replica 1: signal 9");
	EXPECT_THROW(store_->record_restart(JobKind::Training, 999, "signal 9"), NotFound);
}

TEST_P(StoreTest, ConcurrentWritersOnTwoHandlesLoseNothing) {
	// Two handles on one database stand for two server processes writing at
	// once: with WAL + busy timeout (SQLite) or row locks (PostgreSQL) every
	// write lands, none fails with "database is locked".
	auto [deployment, results] = deploy_two(*store_);
	auto other = open_store(url_);
	std::thread t1([&] {
		for (int i = 0; i < 20; i++) {
			store_->append_epoch(results[0].id, {i, {{"from", 1}}, ""});
		}
	});
	std::thread t2([&] {
		for (int i = 20; i < 40; i++) {
			other->append_epoch(results[0].id, {i, {{"from", 2}}, ""});
		}
	});
	t1.join();
	t2.join();
	EXPECT_EQ(store_->get_result(results[0].id).epochs.size(), 40u);
}

} // namespace kafkaml::store

namespace kafkaml::store {

TEST_P(StoreTest, ServersOpeningAFreshStoreAtOnceAllStart) {
	// Servers started together on one new database (say, replicas of a
	// deployment) all migrate it at once: each must start, and every
	// migration must be recorded exactly once.
	auto url = GetParam().fresh_url();
	constexpr int kServers = 4;
	std::vector<std::string> errors(kServers);
	std::vector<std::thread> servers;
	for (int i = 0; i < kServers; i++) {
		servers.emplace_back([&, i] {
			try {
				auto store = open_store(url);
				store->create_model(make_model("from-" + std::to_string(i)));
			} catch (const std::exception &e) {
				errors[static_cast<size_t>(i)] = e.what();
			}
		});
	}
	for (auto &server : servers) {
		server.join();
	}
	for (const auto &error : errors) {
		EXPECT_EQ(error, "");
	}
	EXPECT_EQ(open_store(url)->list_models().size(), static_cast<size_t>(kServers));
}

TEST_P(StoreTest, UsersTokensAndTheLastAdmin) {
	auto admin = store_->create_user("admin", "admin");
	auto jobs = store_->create_user("jobs", "operator", true);
	EXPECT_TRUE(jobs.builtin);
	EXPECT_THROW(store_->create_user("admin", "viewer"), Conflict);
	EXPECT_THROW(store_->set_user_role(admin.id, "viewer"), Conflict) << "the last admin";
	EXPECT_THROW(store_->delete_user(admin.id), Conflict) << "the last admin";
	EXPECT_THROW(store_->delete_user(jobs.id), Conflict) << "built in";
	EXPECT_THROW(store_->set_user_role(jobs.id, "admin"), Conflict) << "built in";

	auto live = store_->create_token(admin.id, "live", std::string(64, 'a'), std::nullopt);
	store_->create_token(admin.id, "old", std::string(64, 'b'), std::string("2001-01-01T00:00:00.000Z"));
	auto later = store_->create_token(admin.id, "later", std::string(64, 'c'), std::string("2999-01-01T00:00:00.000Z"));
	EXPECT_EQ(store_->get_user(admin.id).live_tokens, 2) << "the expired one does not count";
	auto found = store_->find_token_by_hash(std::string(64, 'a'));
	ASSERT_TRUE(found);
	EXPECT_EQ(found->id, live.id);
	EXPECT_EQ(found->user_name, "admin");
	EXPECT_EQ(found->user_role, "admin");
	EXPECT_FALSE(found->expires_at);
	EXPECT_FALSE(store_->find_token_by_hash(std::string(64, 'z')));
	EXPECT_THROW(store_->create_token(9999, "x", std::string(64, 'd'), std::nullopt), NotFound);

	auto revoked = store_->revoke_token(later.id);
	ASSERT_TRUE(revoked.revoked_at);
	EXPECT_EQ(store_->revoke_token(later.id).revoked_at, revoked.revoked_at) << "revoked once";
	EXPECT_EQ(store_->list_users()[0].live_tokens, 1);
	store_->touch_token(live.id, "2030-01-01T00:00:00.000Z");
	EXPECT_EQ(store_->get_token(live.id).last_used_at, "2030-01-01T00:00:00.000Z");
	EXPECT_EQ(store_->list_tokens().size(), 3u);

	auto second = store_->create_user("bea", "admin");
	EXPECT_EQ(store_->set_user_role(admin.id, "operator").role, "operator") << "bea is an admin";
	EXPECT_THROW(store_->delete_user(second.id), Conflict) << "now bea is the last";
	store_->delete_user(admin.id);
	EXPECT_FALSE(store_->find_token_by_hash(std::string(64, 'a'))) << "its tokens went with it";
	EXPECT_FALSE(store_->find_user("admin"));
	EXPECT_THROW(store_->get_user(admin.id), NotFound);
}

TEST_P(StoreTest, AuditEntriesAreKeptNewestFirstByPages) {
	std::vector<AuditEntry> entries;
	for (int i = 0; i < 5; i++) {
		AuditEntry e;
		e.at = "2030-01-01T00:00:0" + std::to_string(i) + ".000Z";
		e.user = i % 2 ? std::optional<std::string>("ana") : std::nullopt;
		e.token_id = i % 2 ? std::optional<int64_t>(7) : std::nullopt;
		e.method = "POST";
		e.path = "/api/v1/models/" + std::to_string(i);
		e.status = i % 2 ? 201 : 401;
		e.remote_address = "10.0.0." + std::to_string(i);
		entries.push_back(e);
	}
	store_->add_audit_entries(entries);
	auto page = store_->list_audit(3, std::nullopt);
	ASSERT_EQ(page.size(), 3u);
	EXPECT_EQ(page[0].path, "/api/v1/models/4");
	EXPECT_FALSE(page[0].user);
	EXPECT_EQ(page[0].status, 401);
	EXPECT_EQ(page[1].user, "ana");
	EXPECT_EQ(page[1].token_id, 7);
	EXPECT_EQ(page[1].remote_address, "10.0.0.3");
	auto rest = store_->list_audit(3, page.back().id);
	ASSERT_EQ(rest.size(), 2u);
	EXPECT_EQ(rest[1].path, "/api/v1/models/0");
	EXPECT_EQ(rest[1].at, "2030-01-01T00:00:00.000Z");
}

} // namespace kafkaml::store
