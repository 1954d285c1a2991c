#include "stream/kafka_client.h"
#include "stream/kafka_settings.h"
#include "stream/stream_error.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace kafkaml;
using namespace kafkaml::stream;
using kafkaml::testing::TempDir;

namespace {

//! The message of the StreamError `action` throws; fails the test if none.
template <class Action>
std::string error_of(Action action) {
	try {
		action();
	} catch (const StreamError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::user) << e.what();
		return e.what();
	}
	ADD_FAILURE() << "no StreamError";
	return {};
}

} // namespace

TEST(KafkaSettings, SecretsAreTheNamedOnesAndAnyPasswordOrSecret) {
	for (auto name : {"sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret",
	                  "ssl.key.pem", "sasl.oauthbearer.config", "some.future.password", "client.secret"}) {
		EXPECT_TRUE(is_secret_property(name)) << name;
	}
	for (auto name : {"sasl.username", "security.protocol", "ssl.ca.location", "client.id", "password.length"}) {
		EXPECT_FALSE(is_secret_property(name)) << name;
	}
	EXPECT_EQ(describe_properties({{"sasl.password", "hunter2"}, {"client.id", "a"}}),
	          "client.id=a, sasl.password=***");
}

TEST(KafkaSettings, ParsesLinesCommentsAndWhitespace) {
	auto properties = parse_properties("# a comment\n"
	                                   "\n"
	                                   "  client.id = kafkaml-test \r\n"
	                                   "security.protocol=plaintext\n"
	                                   "sasl.password=a=b#c\n"
	                                   "   # indented comment\n"
	                                   "client.id=second",
	                                   "conf.properties");
	EXPECT_EQ(
	    properties,
	    (KafkaProperties{{"client.id", "second"}, {"security.protocol", "plaintext"}, {"sasl.password", "a=b#c"}}));
}

TEST(KafkaSettings, MalformedLineNamesFileAndLineNotItsText) {
	auto message = error_of([] { parse_properties("client.id=a\n\nsasl.password: hunter2\n", "conf.properties"); });
	EXPECT_NE(message.find("conf.properties:3:"), std::string::npos) << message;
	EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
	message = error_of([] { parse_properties("=value\n", "f"); });
	EXPECT_NE(message.find("f:1:"), std::string::npos) << message;
}

TEST(KafkaSettings, PropertyLibrdkafkaRefusesNamesLineAndPropertyMaskingSecrets) {
	auto message = error_of([] { parse_properties("client.id=a\nno.such.property=1\n", "conf.properties"); });
	EXPECT_NE(message.find("conf.properties:2: Kafka client property no.such.property=1 is invalid"), std::string::npos)
	    << message;
	message = error_of([] { parse_properties("acks=maybe\n", "conf.properties"); });
	EXPECT_NE(message.find("conf.properties:1: Kafka client property acks=maybe is invalid"), std::string::npos)
	    << message;
	// librdkafka's own message quotes the name; a secret's value is never shown.
	message = error_of([] { parse_properties("typo.password=hunter2-secret-value\n", "conf.properties"); });
	EXPECT_NE(message.find("typo.password=***"), std::string::npos) << message;
	EXPECT_EQ(message.find("hunter2-secret-value"), std::string::npos) << message;
}

TEST(KafkaSettings, OptionsOverrideTheFileAndNameThemselves) {
	TempDir dir("kafka-settings");
	auto file = dir.write("client.properties", "client.id=from-file\nsocket.timeout.ms=5000\n");
	auto properties = load_properties(file, {"client.id=from-option", "sasl.password=x=y"});
	EXPECT_EQ(properties,
	          (KafkaProperties{{"client.id", "from-option"}, {"sasl.password", "x=y"}, {"socket.timeout.ms", "5000"}}));
	EXPECT_EQ(load_properties("", {}), KafkaProperties{});
	auto message = error_of([&] { load_properties(file, {"sasl.password"}); });
	EXPECT_NE(message.find("-X"), std::string::npos) << message;
	message = error_of([&] { load_properties(file, {"bad.secret=hunter2-option"}); });
	EXPECT_NE(message.find("-X bad.secret: Kafka client property bad.secret=*** is invalid"), std::string::npos)
	    << message;
	EXPECT_EQ(message.find("hunter2-option"), std::string::npos) << message;
	message = error_of([&] { load_properties((dir / "missing.properties").string(), {}); });
	EXPECT_NE(message.find("missing.properties"), std::string::npos) << message;
	message = error_of([&] { load_properties(file, {"group.id=shared"}); });
	EXPECT_NE(message.find("-X group.id: Kafka client property group.id is kafkaml's to set"), std::string::npos)
	    << message;
	message = error_of([&] { load_properties(dir.write("owned", "enable.auto.commit=true\n"), {}); });
	EXPECT_NE(message.find("owned:1: Kafka client property enable.auto.commit is kafkaml's to set"), std::string::npos)
	    << message;
	message = error_of([&] { load_properties(dir.write("bad", "client.id=a\nlinger.ms=soon\n"), {}); });
	EXPECT_NE(message.find("bad:2: Kafka client property linger.ms=soon is invalid"), std::string::npos) << message;
}

TEST(KafkaSettings, WrittenFileIsTheOwnersOnlyAndReadsBack) {
	TempDir dir("kafka-settings");
	auto file = dir / "jobs.properties";
	KafkaProperties properties{{"client.id", "jobs"}, {"sasl.password", "p a s s"}};
	write_properties_file(file, properties);
	struct stat info {};
	ASSERT_EQ(::stat(file.c_str(), &info), 0);
	EXPECT_EQ(info.st_mode & 0777, 0600u);
	EXPECT_EQ(read_properties_file(file), properties);
	// Rewritten in place, still the owner's only.
	properties["client.id"] = "other";
	write_properties_file(file, properties);
	EXPECT_EQ(read_properties_file(file), properties);
	ASSERT_EQ(::stat(file.c_str(), &info), 0);
	EXPECT_EQ(info.st_mode & 0777, 0600u);
	EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

TEST(KafkaSettings, ClientRefusingASecretPropertyDoesNotShowItsValue) {
	KafkaConfig config{"127.0.0.1:1", {{"made.up.password", "hunter2-client"}}};
	auto message = error_of([&] { make_client(RD_KAFKA_PRODUCER, config, {}); });
	EXPECT_NE(message.find("made.up.password=***"), std::string::npos) << message;
	EXPECT_EQ(message.find("hunter2-client"), std::string::npos) << message;
	config.properties = {{"linger.ms", "soon"}};
	message = error_of([&] { make_client(RD_KAFKA_PRODUCER, config, {}); });
	EXPECT_NE(message.find("linger.ms=soon"), std::string::npos) << message;
}

TEST(KafkaSettings, SaslPasswordIsTakenOnAPlaintextClient) {
	// What the jobs' settings may carry even where SASL is not in use.
	KafkaConfig config{"127.0.0.1:1", {{"sasl.password", "unused"}, {"security.protocol", "plaintext"}}};
	EXPECT_NE(make_client(RD_KAFKA_PRODUCER, config, {}), nullptr);
}
