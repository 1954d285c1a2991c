#include "api/validation.h"

#include <gtest/gtest.h>

namespace kafkaml::api {

TEST(ParseKwargs, OriginalStringForm) {
	auto parsed = parse_kwargs("epochs=1000, steps_per_epoch=22, shuffle=True, lr=1e-3, name='a, b', x=None");
	EXPECT_EQ(parsed["epochs"], 1000);
	EXPECT_EQ(parsed["steps_per_epoch"], 22);
	EXPECT_EQ(parsed["shuffle"], true);
	EXPECT_DOUBLE_EQ(parsed["lr"].get<double>(), 1e-3);
	EXPECT_EQ(parsed["name"], "a, b");
	EXPECT_TRUE(parsed["x"].is_null());
	EXPECT_EQ(parse_kwargs(""), nlohmann::json::object());
	EXPECT_EQ(parse_kwargs("  epochs=5,"), (nlohmann::json{{"epochs", 5}}));
}

TEST(ParseKwargs, JsonObjectForm) {
	EXPECT_EQ(parse_kwargs(R"( {"epochs": 3} )"), (nlohmann::json{{"epochs", 3}}));
	EXPECT_THROW(parse_kwargs("{\"epochs\": }"), ValidationError);
}

TEST(ParseKwargs, ErrorsNameTheColumn) {
	try {
		parse_kwargs("epochs=5, steps");
		FAIL();
	} catch (const ValidationError &e) {
		EXPECT_EQ(e.column, 11);
		EXPECT_NE(std::string(e.what()).find("no '='"), std::string::npos) << e.what();
	}
	try {
		parse_kwargs("epochs=five");
		FAIL();
	} catch (const ValidationError &e) {
		EXPECT_EQ(e.column, 8);
	}
	EXPECT_THROW(parse_kwargs("name='open"), ValidationError);
	EXPECT_THROW(parse_kwargs("=3"), ValidationError);
	EXPECT_THROW(parse_kwargs("a b=3"), ValidationError);
}

} // namespace kafkaml::api
