#include "client/kwargs.h"

#include <gtest/gtest.h>

using namespace kafkaml::client;
using nlohmann::json;

TEST(Kwargs, OriginalFormOfThePaper) {
	json parsed = parse_kwargs("epochs=1000, steps_per_epoch=22, shuffle=True");
	EXPECT_EQ(parsed, (json{{"epochs", 1000}, {"steps_per_epoch", 22}, {"shuffle", true}}));
	EXPECT_TRUE(parsed["epochs"].is_number_integer());
}

TEST(Kwargs, ValuesOfEachKind) {
	json parsed = parse_kwargs(" lr = 0.01 ,verbose=False, x=None, mode='a,b', name=\"n\", word=auto ");
	EXPECT_DOUBLE_EQ(parsed["lr"].get<double>(), 0.01);
	EXPECT_EQ(parsed["verbose"], false);
	EXPECT_TRUE(parsed["x"].is_null());
	EXPECT_EQ(parsed["mode"], "a,b");
	EXPECT_EQ(parsed["name"], "n");
	EXPECT_EQ(parsed["word"], "auto");
}

TEST(Kwargs, EmptyAndJson) {
	EXPECT_EQ(parse_kwargs(""), json::object());
	EXPECT_EQ(parse_kwargs("  "), json::object());
	EXPECT_EQ(parse_kwargs("{\"epochs\": 3}"), (json{{"epochs", 3}}));
	EXPECT_EQ(parse_kwargs("epochs=3,"), (json{{"epochs", 3}}));
}

TEST(Kwargs, ErrorsNameTheBadPart) {
	EXPECT_THROW(parse_kwargs("epochs"), KwargsError);
	EXPECT_THROW(parse_kwargs("=3"), KwargsError);
	EXPECT_THROW(parse_kwargs("epochs="), KwargsError);
	EXPECT_THROW(parse_kwargs("a='x"), KwargsError);
	EXPECT_THROW(parse_kwargs("{epochs"), KwargsError);
	try {
		parse_kwargs("epochs=2, steps");
		FAIL();
	} catch (const KwargsError &e) {
		EXPECT_NE(std::string(e.what()).find("'steps'"), std::string::npos) << e.what();
	}
}
