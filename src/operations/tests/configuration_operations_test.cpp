#include "operations/configuration_operations.h"
#include "operations/operation_errors.h"
#include "operations/tests/operations_test_support.h"

namespace kafkaml::operations {
namespace {

using ConfigurationOperationsTest = OperationsTest;

TEST_F(ConfigurationOperationsTest, EachModelIsNamedOnceAndAtLeastOneIs) {
	int64_t a = stored_model("a"), b = stored_model("b");
	for (auto models : {std::vector<int64_t>{}, std::vector<int64_t>{a, b, a}}) {
		auto refused = invalid_field([&] { create_configuration(*db, {.name = "c", .ml_models = models}); });
		ASSERT_TRUE(refused) << models.size() << " models";
		EXPECT_EQ(refused->field, "ml_models");
	}
	EXPECT_TRUE(invalid_field([&] { create_configuration(*db, {.name = "c"}); })) << "no models at all";
	EXPECT_TRUE(db->list_configurations().empty());
	EXPECT_THROW(create_configuration(*db, {.name = "c", .ml_models = std::vector<int64_t>{a + 100}}),
	             store::InvalidArgument)
	    << "the store's to refuse";
	auto created = create_configuration(*db, {.name = "c", .ml_models = std::vector<int64_t>{b, a}});
	EXPECT_EQ(created.ml_models, (std::vector<int64_t>{b, a})) << "in the order given";
}

TEST_F(ConfigurationOperationsTest, AnUpdateKeepsWhatItDoesNotChangeUnderTheSameRules) {
	int64_t a = stored_model("a"), b = stored_model("b");
	auto created = create_configuration(*db, {.name = "c", .ml_models = std::vector<int64_t>{a}});
	auto updated = update_configuration(*db, created.id, {.description = "pair"});
	EXPECT_EQ(updated.name, "c");
	EXPECT_EQ(updated.ml_models, std::vector<int64_t>{a});
	EXPECT_TRUE(invalid_field([&] {
		update_configuration(*db, created.id, {.ml_models = std::vector<int64_t>{b, b}});
	}));
	EXPECT_EQ(update_configuration(*db, created.id, {.ml_models = std::vector<int64_t>{a, b}}).ml_models.size(), 2u);
	EXPECT_THROW(update_configuration(*db, created.id + 100, {}), store::NotFound);
}

} // namespace
} // namespace kafkaml::operations
