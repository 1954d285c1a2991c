#include "operations/model_operations.h"
#include "operations/operation_errors.h"
#include "operations/tests/operations_test_support.h"

namespace kafkaml::operations {
namespace {

using nlohmann::json;

class ModelOperationsTest : public OperationsTest {
protected:
	void SetUp() override {
		OperationsTest::SetUp();
		checks.validate_model = [](std::string_view code) {
			if (code.find("syntax error") != std::string_view::npos) {
				throw ValidationError(2, 5, "expected ')'");
			}
		};
		checks.validate_compile = [](std::string_view arguments) {
			if (arguments.find("loss") == std::string_view::npos) {
				throw ValidationError(1, 1, "no loss");
			}
		};
		checks.validate_module = [](std::string_view bytes) {
			if (!bytes.starts_with("PK")) {
				throw ValidationError(0, 0, "not a TorchScript module");
			}
		};
	}
	ModelChanges keras_model() { return {.name = "m", .code = "model = Sequential()"}; }
	ModelChecks checks;
};

TEST_F(ModelOperationsTest, AModelIsKerasByDefaultAndFrameworkNamesAreUnderstood) {
	EXPECT_EQ(create_model(*db, checks, keras_model()).framework, "keras");
	auto model = keras_model();
	model.framework = "TF";
	EXPECT_EQ(create_model(*db, checks, model).framework, "keras");
	model = {.name = "p", .code = "loss='mse'", .framework = "pth"};
	EXPECT_EQ(create_model(*db, checks, model).framework, "pytorch");
	model.framework = "jax";
	auto refused = invalid_field([&] { create_model(*db, checks, model); });
	ASSERT_TRUE(refused);
	EXPECT_EQ(refused->field, "framework");
	EXPECT_EQ(db->list_models().size(), 3u);
}

TEST_F(ModelOperationsTest, CodeIsCheckedAsItsFrameworkSaysWithLineAndColumn) {
	auto model = keras_model();
	model.code = "model = syntax error";
	auto refused = invalid_field([&] { create_model(*db, checks, model); });
	ASSERT_TRUE(refused);
	EXPECT_EQ(refused->field, "code");
	EXPECT_EQ(refused->detail, json({{"line", 2}, {"column", 5}, {"message", "expected ')'"}}));
	model = {.name = "p", .code = "optimizer='adam'", .framework = "pytorch"};
	refused = invalid_field([&] { create_model(*db, checks, model); });
	ASSERT_TRUE(refused) << "compile arguments without a loss";
	EXPECT_NE(std::string(refused->what()).find("compile arguments"), std::string::npos) << refused->what();
	EXPECT_TRUE(db->list_models().empty());
	checks.validate_compile = nullptr;
	model.code = "loss='mse'";
	EXPECT_THROW(create_model(*db, checks, model), NotSupported);
}

TEST_F(ModelOperationsTest, AnUpdateKeepsWhatItDoesNotChangeAndIsCheckedToo) {
	auto created = create_model(*db, checks, keras_model());
	auto updated = update_model(*db, checks, created.id, {.description = "better"});
	EXPECT_EQ(updated.name, "m");
	EXPECT_EQ(updated.code, "model = Sequential()");
	EXPECT_EQ(updated.description, "better");
	EXPECT_TRUE(invalid_field([&] { update_model(*db, checks, created.id, {.code = "syntax error"}); }));
	EXPECT_EQ(db->get_model(created.id).code, "model = Sequential()");
	EXPECT_THROW(update_model(*db, checks, created.id + 100, {}), store::NotFound);
}

TEST_F(ModelOperationsTest, AModuleBelongsToAPyTorchModelAndMustLoad) {
	int64_t keras = create_model(*db, checks, keras_model()).id;
	int64_t pytorch = create_model(*db, checks, {.name = "p", .code = "loss='mse'", .framework = "pytorch"}).id;
	EXPECT_THROW(upload_module(*db, checks, keras, "PK module"), store::Conflict);
	EXPECT_THROW(upload_module(*db, checks, pytorch, ""), UserError);
	EXPECT_THROW(upload_module(*db, checks, pytorch, "junk"), UserError);
	EXPECT_EQ(db->get_model(pytorch).module_size, -1) << "nothing stored";
	EXPECT_EQ(upload_module(*db, checks, pytorch, "PK module").module_size, 9);
	checks.validate_module = nullptr;
	EXPECT_THROW(upload_module(*db, checks, pytorch, "PK module"), NotSupported);
}

TEST_F(ModelOperationsTest, AWeightsFileBelongsToAKerasModelWhoseBaseTakesOne) {
	checks.weights_needed = [](std::string_view code) -> std::optional<std::string> {
		if (code.find("imagenet") == std::string_view::npos) {
			return std::nullopt;
		}
		return "upload the weights file";
	};
	int64_t plain = create_model(*db, checks, keras_model()).id;
	int64_t pretrained = create_model(*db, checks, {.name = "base", .code = "model = VGG16(weights='imagenet')"}).id;
	int64_t pytorch = create_model(*db, checks, {.name = "p", .code = "loss='mse'", .framework = "pytorch"}).id;
	std::string hdf5("\x89HDF\r\n\x1a\n\0\0weights", 17);
	EXPECT_THROW(upload_weights(*db, checks, plain, hdf5), store::Conflict);
	EXPECT_THROW(upload_weights(*db, checks, pytorch, hdf5), store::Conflict);
	EXPECT_THROW(upload_weights(*db, checks, pretrained, ""), UserError);
	EXPECT_THROW(upload_weights(*db, checks, pretrained, "PK not hdf5"), UserError);
	EXPECT_EQ(db->get_model(pretrained).weights_size, -1) << "nothing stored";
	EXPECT_EQ(upload_weights(*db, checks, pretrained, hdf5).weights_size, 17);
	std::string after_user_block = std::string(512, ' ') + hdf5;
	EXPECT_EQ(upload_weights(*db, checks, pretrained, after_user_block).weights_size, 529);
	EXPECT_EQ(db->get_model_weights(pretrained), after_user_block);
	EXPECT_THROW(upload_weights(*db, checks, pretrained + 100, hdf5), store::NotFound);
}

} // namespace
} // namespace kafkaml::operations
