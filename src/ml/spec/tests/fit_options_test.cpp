#include "ml/spec/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kafkaml::ml {
namespace {

using ::testing::HasSubstr;

TEST(FitOptions, OriginalKwargsString) {
	FitOptions options = parse_fit_kwargs("epochs=1000, steps_per_epoch=22, shuffle=True");
	EXPECT_EQ(options.epochs, 1000);
	EXPECT_EQ(options.steps_per_epoch, 22);
	EXPECT_TRUE(options.shuffle);
	EXPECT_FALSE(options.batch_size.has_value());
	FitOptions more = parse_fit_kwargs(" epochs = 5 ,\n batch_size=10, shuffle=False, verbose=0, seed=42, workers=4");
	EXPECT_EQ(more.epochs, 5);
	EXPECT_EQ(more.batch_size, 10);
	EXPECT_FALSE(more.shuffle);
	EXPECT_EQ(more.verbose, 0);
	EXPECT_EQ(more.seed, 42u);
	FitOptions defaults = parse_fit_kwargs("");
	EXPECT_EQ(defaults.epochs, 1);
	EXPECT_TRUE(defaults.shuffle);
	EXPECT_EQ(parse_fit_kwargs("steps=3").steps, 3);
}

TEST(FitOptions, JsonTextAndObject) {
	EXPECT_EQ(parse_fit_kwargs(R"({"epochs": 7, "shuffle": false})").epochs, 7);
	FitOptions options =
	    fit_options_from_json(nlohmann::json{{"epochs", 3}, {"validation_steps", 2}, {"verbose", "auto"}});
	EXPECT_EQ(options.epochs, 3);
	EXPECT_EQ(options.validation_steps, 2);
	EXPECT_EQ(options.verbose, 1);
	EXPECT_EQ(fit_options_from_json(nlohmann::json("epochs=9")).epochs, 9);
	EXPECT_EQ(fit_options_from_json(nlohmann::json()).epochs, 1);
}

TEST(FitOptions, ErrorsNameTheArgument) {
	try {
		parse_fit_kwargs("epochs=5, callbacks=[cb]");
		FAIL();
	} catch (const ModelDefinitionError &error) {
		EXPECT_EQ(error.location.column, 11);
		EXPECT_THAT(error.reason, HasSubstr("callbacks are not supported"));
	}
	try {
		parse_fit_kwargs("epochs=5, epoch=3");
		FAIL();
	} catch (const ModelDefinitionError &error) {
		EXPECT_EQ(error.location.column, 11);
		EXPECT_THAT(error.reason, HasSubstr("unknown argument 'epoch' for fit; expected one of epochs"));
	}
	try {
		parse_fit_kwargs("epochs='5'");
		FAIL();
	} catch (const ModelDefinitionError &error) {
		EXPECT_EQ(error.location.column, 8);
		EXPECT_THAT(error.reason, HasSubstr("must be an integer"));
	}
	EXPECT_THROW(parse_fit_kwargs("epochs=0"), ModelDefinitionError);
	EXPECT_THROW(parse_fit_kwargs("5"), ModelDefinitionError);
	EXPECT_THROW(fit_options_from_json(nlohmann::json{{"epochs", -2}}), ModelDefinitionError);
	EXPECT_THROW(fit_options_from_json(nlohmann::json::array()), ModelDefinitionError);
}

TEST(FitOptions, MalformedTextIsRefusedWithItsColumn) {
	EXPECT_EQ(parse_fit_kwargs("epochs=3,").epochs, 3);
	EXPECT_EQ(parse_fit_kwargs("  ").epochs, 1);
	for (const char *bad : {"epochs", "=3", "epochs=", "a='x", "{epochs", "a b=3", R"({"epochs": })"}) {
		EXPECT_THROW(parse_fit_kwargs(bad), ModelDefinitionError) << bad;
	}
	try {
		parse_fit_kwargs("epochs=5, steps");
		FAIL();
	} catch (const ModelDefinitionError &error) {
		EXPECT_EQ(error.location.column, 11);
	}
}

TEST(FitOptions, AsStoredJsonWithDefaultsFilledIn) {
	EXPECT_EQ(fit_options_to_json(parse_fit_kwargs("epochs=1000, steps_per_epoch=22, shuffle=True")),
	          (nlohmann::json{{"epochs", 1000}, {"steps_per_epoch", 22}, {"shuffle", true}, {"verbose", 1}}));
	EXPECT_EQ(fit_options_to_json(parse_fit_kwargs("steps=2, batch_size=8, seed=7, validation_steps=3, verbose=0")),
	          (nlohmann::json{{"epochs", 1},
	                          {"shuffle", true},
	                          {"verbose", 0},
	                          {"steps", 2},
	                          {"batch_size", 8},
	                          {"seed", 7},
	                          {"validation_steps", 3}}));
}

} // namespace
} // namespace kafkaml::ml
