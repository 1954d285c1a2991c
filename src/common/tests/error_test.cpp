#include "common/error.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kafkaml {
namespace {

TEST(Error, EachClassCarriesItsKind) {
	EXPECT_EQ(error_kind(UserError("bad model")), ErrorKind::user);
	EXPECT_EQ(error_kind(RetriableError("server down")), ErrorKind::retriable);
	EXPECT_EQ(error_kind(FatalError("broken invariant")), ErrorKind::fatal);
	EXPECT_TRUE(RetriableError("x").is_retriable());
	EXPECT_FALSE(UserError("x").is_retriable());
	EXPECT_TRUE(FatalError("x").is_fatal());
}

TEST(Error, AnExceptionNoModuleClassifiedIsFatal) {
	EXPECT_EQ(error_kind(std::runtime_error("from a library")), ErrorKind::fatal);
	EXPECT_EQ(error_kind(std::bad_alloc()), ErrorKind::fatal);
}

TEST(Error, TheKindSurvivesCatchingByTheBase) {
	try {
		throw RetriableError("Kafka is unreachable");
	} catch (const std::exception &e) {
		EXPECT_EQ(error_kind(e), ErrorKind::retriable);
		EXPECT_STREQ(e.what(), "Kafka is unreachable");
	}
}

TEST(Error, KindNames) {
	EXPECT_EQ(to_string(ErrorKind::user), "user");
	EXPECT_EQ(to_string(ErrorKind::retriable), "retriable");
	EXPECT_EQ(to_string(ErrorKind::fatal), "fatal");
}

} // namespace
} // namespace kafkaml
