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
