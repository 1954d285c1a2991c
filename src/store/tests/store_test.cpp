#include "store_test.h"

#include "store/migrations.h"

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
	EXPECT_EQ(store_->create_inference(i).status, InferenceStatus::Deployed);
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

} // namespace kafkaml::store
