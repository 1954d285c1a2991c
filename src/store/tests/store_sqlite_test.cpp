#include "store_test.h"

#include "support/temp_dir.h"

namespace kafkaml::store {
namespace {

// One temporary directory per test process, a new database file per test.
std::string fresh_sqlite_url() {
	static kafkaml::testing::TempDir dir("store");
	static int counter = 0;
	return "sqlite:" + dir.string() + "/store-" + std::to_string(++counter) + "/kafkaml.db";
}

} // namespace

INSTANTIATE_TEST_SUITE_P(SQLite, StoreTest, ::testing::Values(StoreBackend{"sqlite", fresh_sqlite_url}), backend_name);

TEST(OpenStore, RejectsUnknownUrlsWithWhatToUse) {
	try {
		open_store("mysql://x");
		FAIL() << "expected an error";
	} catch (const StoreError &e) {
		EXPECT_NE(std::string(e.what()).find("sqlite:PATH"), std::string::npos);
	}
	EXPECT_THROW(open_store("sqlite:"), StoreError);
}

TEST(ResultStatus, NamesRoundTripAndUnknownNamesListTheValid) {
	for (auto s : {ResultStatus::Created, ResultStatus::Deployed, ResultStatus::Running, ResultStatus::Finished,
	               ResultStatus::Stopped, ResultStatus::Failed}) {
		EXPECT_EQ(result_status_from_string(to_string(s)), s);
	}
	try {
		result_status_from_string("done");
		FAIL();
	} catch (const InvalidArgument &e) {
		EXPECT_NE(std::string(e.what()).find("finished"), std::string::npos);
	}
}

} // namespace kafkaml::store
