#include "operations/result_version_operations.h"
#include "operations/tests/operations_test_support.h"

#include <functional>

namespace kafkaml::operations {
namespace {

using nlohmann::json;
using store::ResultStatus;

class ResultVersionOperationsTest : public OperationsTest {
protected:
	//! A running result of a deployment in `mode`.
	int64_t running_result(const std::string &mode) {
		store::Deployment deployment;
		deployment.configuration = stored_configuration({stored_model("m")});
		deployment.mode = mode;
		auto results = db->create_deployment(deployment).second;
		return advance(results.at(0).id, ResultStatus::Running).id;
	}
	static VersionUpload upload(int64_t version, int64_t records, double loss) {
		return {.version = version, .records = records, .metrics = {{"prequential_loss", loss}}};
	}
};

TEST_F(ResultVersionOperationsTest, VersionsAreStoredOnceListedAndDownloaded) {
	int64_t id = running_result("indefinite");
	auto [first, created] = add_result_version(*db, id, upload(1, 200, 0.7), "model one");
	EXPECT_TRUE(created);
	EXPECT_EQ(first.version, 1);
	EXPECT_EQ(first.size, 9);
	auto [again, created_again] = add_result_version(*db, id, upload(1, 400, 0.1), "model one, later run");
	EXPECT_FALSE(created_again) << "a version re-sent is not a second version";
	EXPECT_EQ(again.records, 200);
	add_result_version(*db, id, upload(2, 1000, 0.4), "model two");

	auto versions = list_result_versions(*db, id);
	ASSERT_EQ(versions.size(), 2u);
	EXPECT_EQ(versions[1].records, 1000);
	EXPECT_EQ(versions[1].metrics, json({{"prequential_loss", 0.4}}));
	EXPECT_EQ(result_version_model(*db, id, 1), "model one");
	EXPECT_EQ(result_version_model(*db, id, 2), "model two");
	try {
		result_version_model(*db, id, 3);
		FAIL() << "no version 3";
	} catch (const store::NotFound &e) {
		EXPECT_NE(std::string(e.what()).find("versions 1 to 2"), std::string::npos) << e.what();
	}
	EXPECT_THROW(list_result_versions(*db, id + 100), store::NotFound);
	EXPECT_THROW(result_version_model(*db, id + 100, 1), store::NotFound);
}

TEST_F(ResultVersionOperationsTest, AVersionsTrainingStateIsStoredOnceAndMissingOnesAreNamed) {
	int64_t id = running_result("indefinite");
	add_result_version(*db, id, upload(1, 200, 0.7), "model one");
	try {
		result_version_state(*db, id, 1);
		FAIL() << "no state yet";
	} catch (const store::NotFound &e) {
		EXPECT_NE(std::string(e.what()).find("version 1 of result " + std::to_string(id) + " has no training state"),
		          std::string::npos)
		    << e.what();
	}
	auto [version, created] = set_result_version_state(*db, id, 1, "state one");
	EXPECT_TRUE(created);
	EXPECT_EQ(version.state_size, 9);
	auto [kept, created_again] = set_result_version_state(*db, id, 1, "state one, again");
	EXPECT_FALSE(created_again) << "a state re-sent stays the first one";
	EXPECT_EQ(result_version_state(*db, id, 1), "state one");
	EXPECT_EQ(result_version_model(*db, id, 1), "model one");

	auto refused = invalid_field([&] { set_result_version_state(*db, id, 1, ""); });
	ASSERT_TRUE(refused);
	EXPECT_EQ(refused->field, "body");
	for (auto call : {std::function<void()>([&] { set_result_version_state(*db, id, 2, "state two"); }),
	                  std::function<void()>([&] { result_version_state(*db, id, 2); })}) {
		try {
			call();
			FAIL() << "no version 2";
		} catch (const store::NotFound &e) {
			EXPECT_NE(std::string(e.what()).find("has no version 2; it has versions 1 to 1"), std::string::npos)
			    << e.what();
		}
	}
}

TEST_F(ResultVersionOperationsTest, WhatIsNoVersionIsRefusedNamingTheField) {
	int64_t id = running_result("incremental");
	auto field = [&](const VersionUpload &version, std::string_view bytes) {
		auto refused = invalid_field([&] { add_result_version(*db, id, version, bytes); });
		return refused ? refused->field : std::string("accepted");
	};
	EXPECT_EQ(field(upload(1, 10, 0.5), ""), "body");
	EXPECT_EQ(field(upload(0, 10, 0.5), "m"), "version");
	EXPECT_EQ(field(upload(1, -1, 0.5), "m"), "records");
	EXPECT_EQ(field({.version = 1, .records = 1, .metrics = json::array()}, "m"), "metrics");
	EXPECT_EQ(field({.version = 1, .records = 1, .metrics = {{"loss", "low"}}}, "m"), "metrics");
	EXPECT_EQ(field({.version = 1, .records = 1, .epoch = -1}, "m"), "epoch");
	EXPECT_EQ(field({.version = 1, .records = 1, .prequential = json::array()}, "m"), "prequential");
	EXPECT_EQ(field({.version = 1, .records = 1, .training_time = -1}, "m"), "training_time");
	EXPECT_EQ(field({.version = 1, .records = 1, .offsets = json::object()}, "m"), "offsets");
	EXPECT_EQ(field({.version = 1, .records = 1, .offsets = {{{"topic", "t"}, {"partition", 0}}}}, "m"), "offsets");
	EXPECT_EQ(field({.version = 1, .records = 1, .offsets = {{{"topic", "t"}, {"partition", 0}, {"offset", -2}}}}, "m"),
	          "offsets");
	EXPECT_TRUE(list_result_versions(*db, id).empty());
}

TEST_F(ResultVersionOperationsTest, ABatchResultHasNoVersionsAndAnEndedOneTakesNoMore) {
	int64_t batch = running_result("batch");
	EXPECT_THROW(add_result_version(*db, batch, upload(1, 10, 0.5), "m"), StateConflict);
	EXPECT_TRUE(list_result_versions(*db, batch).empty());

	int64_t ended = running_result("incremental");
	add_result_version(*db, ended, upload(1, 10, 0.5), "m");
	db->update_result_status(ended, ResultStatus::Finished);
	EXPECT_THROW(add_result_version(*db, ended, upload(2, 20, 0.3), "m"), store::Conflict);
	EXPECT_EQ(result_version_model(*db, ended, 1), "m") << "what it had stays downloadable";
	EXPECT_THROW(add_result_version(*db, ended + 100, upload(1, 10, 0.5), "m"), store::NotFound);
}

} // namespace
} // namespace kafkaml::operations
