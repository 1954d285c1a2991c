#include "operations/datasource_operations.h"
#include "operations/operation_errors.h"
#include "operations/tests/operations_test_support.h"

#include <utility>

namespace kafkaml::operations {
namespace {

using nlohmann::json;
using store::ResultStatus;

class RecordingPublisher final : public ControlPublisher {
public:
	void publish(int64_t deployment, const store::Datasource &datasource) override {
		if (fail) {
			throw std::runtime_error("broker down");
		}
		sent.emplace_back(deployment, datasource.topic);
	}
	bool fail = false;
	std::vector<std::pair<int64_t, std::string>> sent;
};

class DatasourceOperationsTest : public OperationsTest {
protected:
	//! A datasource recorded for an earlier deployment.
	store::Datasource recorded_datasource() {
		auto [deployment, results] = recorded_deployment(1);
		store::Datasource source;
		source.deployment = deployment.id;
		source.topic = "data:0:0:99";
		source.input_format = "RAW";
		source.control_message = "control/0@0 t0";
		return db->add_datasource(source);
	}
	RecordingPublisher publisher;
};

TEST_F(DatasourceOperationsTest, AStreamIsSentToADeploymentWithAnActiveResult) {
	auto source = recorded_datasource();
	auto [deployment, results] = recorded_deployment(1);
	auto sent = send_datasource(*db, &publisher, source.id, deployment.id);
	EXPECT_EQ(sent.id, source.id);
	EXPECT_EQ(publisher.sent, (std::vector<std::pair<int64_t, std::string>>{{deployment.id, "data:0:0:99"}}));
}

TEST_F(DatasourceOperationsTest, ADeploymentWhoseResultsAreFinalIsAConflictNamingIt) {
	auto source = recorded_datasource();
	auto [deployment, results] = recorded_deployment(1);
	advance(results[0].id, ResultStatus::Finished);
	try {
		send_datasource(*db, &publisher, source.id, deployment.id);
		FAIL() << "no job would read the stream";
	} catch (const StateConflict &e) {
		EXPECT_EQ(e.detail, json({{"deployment", deployment.id}}));
	}
	EXPECT_TRUE(publisher.sent.empty());
}

TEST_F(DatasourceOperationsTest, UnknownIdsAreRefused) {
	auto source = recorded_datasource();
	EXPECT_THROW(send_datasource(*db, &publisher, source.id + 100, source.deployment), store::NotFound);
	EXPECT_THROW(send_datasource(*db, &publisher, source.id, source.deployment + 100), store::InvalidArgument)
	    << "the deployment is a reference in the request";
	EXPECT_TRUE(publisher.sent.empty());
}

TEST_F(DatasourceOperationsTest, WithoutKafkaOrWhenTheBrokerFailsItIsUnavailable) {
	auto source = recorded_datasource();
	auto [deployment, results] = recorded_deployment(1);
	EXPECT_THROW(send_datasource(*db, nullptr, source.id, deployment.id), Unavailable);
	publisher.fail = true;
	try {
		send_datasource(*db, &publisher, source.id, deployment.id);
		FAIL() << "the publisher failed";
	} catch (const Unavailable &e) {
		EXPECT_TRUE(e.is_retriable());
		EXPECT_NE(std::string(e.what()).find("broker down"), std::string::npos) << e.what();
	}
}

} // namespace
} // namespace kafkaml::operations

namespace kafkaml::operations {
namespace {

class FakeRecordsAdmin final : public RecordsAdmin {
public:
	std::vector<RecordsCutResult> delete_records(const std::vector<RecordsCut> &cuts) override {
		calls.push_back(cuts);
		if (!fail_request.empty()) {
			throw std::runtime_error(fail_request);
		}
		std::vector<RecordsCutResult> out;
		for (const auto &cut : cuts) {
			RecordsCutResult r{.cut = cut, .low_watermark = cut.before};
			if (cut.topic == refused_topic) {
				r.error = "POLICY_VIOLATION";
				r.message = "Broker: Policy violation";
				r.low_watermark = -1;
			}
			out.push_back(r);
		}
		return out;
	}
	std::string fail_request;
	std::string refused_topic;
	std::vector<std::vector<RecordsCut>> calls;
};

class DatasourceRecordsTest : public OperationsTest {
protected:
	//! A datasource of `ranges` whose deployment is over (finished) unless `active`.
	store::Datasource datasource(const std::string &ranges, bool active = false) {
		auto [deployment, results] = recorded_deployment(1);
		if (!active) {
			advance(results[0].id, ResultStatus::Finished);
		}
		store::Datasource source;
		source.deployment = deployment.id;
		source.topic = ranges;
		source.input_format = "RAW";
		source.control_message = "control/0@" + std::to_string(++messages) + " t0";
		return db->add_datasource(source);
	}
	static std::vector<std::tuple<std::string, int32_t, int64_t>> cuts_of(const std::vector<RecordsCut> &cuts) {
		std::vector<std::tuple<std::string, int32_t, int64_t>> out;
		for (const auto &c : cuts) {
			out.emplace_back(c.topic, c.partition, c.before);
		}
		return out;
	}
	int messages = 0;
	FakeRecordsAdmin admin;
	RecordingPublisher publisher;
};

TEST_F(DatasourceRecordsTest, EachPartitionIsCutAtTheEndAndASendIsThenRefused) {
	auto source = datasource("data:0:0:99,data:1:5:20,data:0:99:120,other:0:10:30");
	auto deleted = delete_datasource_records(*db, &admin, source.id, false);
	ASSERT_EQ(admin.calls.size(), 1u);
	EXPECT_EQ(cuts_of(admin.calls[0]), (std::vector<std::tuple<std::string, int32_t, int64_t>>{
	                                       {"data", 0, 120}, {"data", 1, 20}, {"other", 0, 30}}));
	EXPECT_EQ(deleted.partitions.size(), 3u);
	EXPECT_FALSE(deleted.datasource.records_deleted_at.empty());
	EXPECT_TRUE(deleted.also_deleted.empty());
	EXPECT_FALSE(db->get_datasource(source.id).records_deleted_at.empty()) << "kept in the store";

	auto [deployment, results] = recorded_deployment(1);
	try {
		send_datasource(*db, &publisher, source.id, deployment.id);
		FAIL() << "a stream whose records are gone was sent";
	} catch (const StateConflict &e) {
		EXPECT_NE(std::string(e.what()).find("were deleted"), std::string::npos) << e.what();
	}
	EXPECT_TRUE(publisher.sent.empty());
}

TEST_F(DatasourceRecordsTest, EarlierDatasourcesOfThePartitionsAreNamedUnlessConfirmed) {
	auto earlier = datasource("data:0:0:99");
	auto other_partition = datasource("data:1:0:50");
	auto target = datasource("data:0:99:150");
	auto later = datasource("data:0:150:200");
	try {
		delete_datasource_records(*db, &admin, target.id, false);
		FAIL() << "earlier records would go unasked";
	} catch (const StateConflict &e) {
		EXPECT_EQ(e.detail, json({{"datasources", {earlier.id}}}));
		EXPECT_NE(std::string(e.what()).find("include_earlier"), std::string::npos) << e.what();
	}
	EXPECT_TRUE(admin.calls.empty()) << "nothing asked of the cluster";
	EXPECT_TRUE(db->get_datasource(target.id).records_deleted_at.empty());

	auto deleted = delete_datasource_records(*db, &admin, target.id, true);
	ASSERT_EQ(deleted.also_deleted.size(), 1u);
	EXPECT_EQ(deleted.also_deleted[0].id, earlier.id);
	EXPECT_FALSE(db->get_datasource(earlier.id).records_deleted_at.empty());
	EXPECT_TRUE(db->get_datasource(other_partition.id).records_deleted_at.empty());
	EXPECT_TRUE(db->get_datasource(later.id).records_deleted_at.empty());
	// Those already gone are not named again.
	auto again = datasource("data:0:200:250");
	EXPECT_NO_THROW(delete_datasource_records(*db, &admin, later.id, false));
	EXPECT_TRUE(db->get_datasource(again.id).records_deleted_at.empty()) << "after the cut: kept";
}

TEST_F(DatasourceRecordsTest, ADatasourceInUseIsAConflictAsAnEarlierOneInUse) {
	auto active = datasource("data:0:0:10", true);
	EXPECT_THROW(delete_datasource_records(*db, &admin, active.id, false), store::Conflict);
	auto target = datasource("data:0:10:20");
	EXPECT_THROW(delete_datasource_records(*db, &admin, target.id, true), store::Conflict)
	    << "the earlier one's deployment still reads it";
	EXPECT_TRUE(admin.calls.empty());
	EXPECT_THROW(delete_datasource_records(*db, &admin, 999, false), store::NotFound);
}

TEST_F(DatasourceRecordsTest, TheClustersErrorsAreNamed) {
	auto source = datasource("data:0:0:10");
	EXPECT_THROW(delete_datasource_records(*db, nullptr, source.id, false), Unavailable);

	admin.fail_request = "UNSUPPORTED_VERSION: Broker: Unsupported version";
	try {
		delete_datasource_records(*db, &admin, source.id, false);
		FAIL() << "a failed request was taken as done";
	} catch (const UpstreamFailed &e) {
		EXPECT_NE(std::string(e.what()).find("UNSUPPORTED_VERSION"), std::string::npos) << e.what();
	}
	admin.fail_request.clear();
	admin.refused_topic = "data";
	try {
		delete_datasource_records(*db, &admin, source.id, false);
		FAIL() << "a refused partition was taken as done";
	} catch (const StateConflict &e) {
		EXPECT_NE(std::string(e.what()).find("data:0: POLICY_VIOLATION"), std::string::npos) << e.what();
	}
	EXPECT_TRUE(db->get_datasource(source.id).records_deleted_at.empty());

	auto online = datasource("sensor-stream");
	EXPECT_THROW(delete_datasource_records(*db, &admin, online.id, false), StateConflict);
}

} // namespace
} // namespace kafkaml::operations
