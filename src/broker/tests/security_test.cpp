// The broker's TLS and SASL listeners against real clients: kcat (librdkafka),
// confluent-kafka and kafka-python through /usr/bin/python3. Certificates are
// made with the openssl command line (support/certificates.h); users with the
// broker's own user store and `kafkaml broker users`.
#include "broker/broker.h"
#include "broker/sasl/credentials.h"
#include "broker/sasl/user_store.h"
#include "broker/tests/raw_client.h"
#include "support/build_tree.h"
#include "support/certificates.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>

using kafkaml::testing::run_shell;
namespace fs = std::filesystem;

namespace {

struct User {
	std::string name;
	std::string mechanism;
	std::string password;
};

const std::vector<User> kUsers = {
    {"alice", "PLAIN", "alice-pw-1"},
    {"bob", "SCRAM-SHA-256", "bob-pw-256"},
    {"carol", "SCRAM-SHA-512", "carol-pw-512"},
};

//! Runs a shell command that must succeed (certificate making).
void must(const std::string &command) {
	auto r = run_shell(command);
	if (r.status != 0) {
		throw std::runtime_error(command + " failed: " + r.out + r.err);
	}
}

std::string read_file(const fs::path &path) {
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

using kafkaml::testing::Certificates;

//! One broker with every kind of listener on free ports.
class SecureBroker {
public:
	SecureBroker(const Certificates &certs, kafkaml::broker::ClientAuth client_auth = kafkaml::broker::ClientAuth::None,
	             std::vector<std::string> mechanisms = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}) {
		kafkaml::broker::BrokerConfig config;
		config.data_dir = dir_.path();
		config.listeners = kafkaml::broker::parse_listeners(
		    "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0", "test");
		config.tls.cert_file = certs.file("server.pem");
		config.tls.key_file = certs.file("server.key");
		config.tls.ca_file = certs.file("ca.pem");
		config.tls.client_auth = client_auth;
		config.sasl_mechanisms = std::move(mechanisms);
		kafkaml::broker::sasl::UserStore users(dir_.path());
		for (const auto &u : kUsers) {
			users.add(u.name, kafkaml::broker::sasl::make_credential(u.mechanism, u.password));
		}
		broker_ = std::make_unique<kafkaml::broker::Broker>(config);
		broker_->start();
	}
	std::string address(kafkaml::broker::SecurityProtocol protocol) const {
		for (const auto &l : broker_->listeners()) {
			if (l.protocol == protocol) {
				return l.listen_address;
			}
		}
		throw std::runtime_error("no such listener");
	}
	const fs::path &data_dir() const { return dir_.path(); }

private:
	kafkaml::testing::TempDir dir_{"secure-broker"};
	std::unique_ptr<kafkaml::broker::Broker> broker_;
};

using kafkaml::broker::SecurityProtocol;

class BrokerSecurity : public ::testing::Test {
protected:
	static void SetUpTestSuite() {
		cert_dir_ = new kafkaml::testing::TempDir("certs");
		certs_ = new Certificates(cert_dir_->path());
		broker_ = new SecureBroker(*certs_);
	}
	static void TearDownTestSuite() {
		delete broker_;
		delete certs_;
		delete cert_dir_;
	}

	//! kcat's -X options for a protocol, mechanism and credentials.
	static std::string kcat_security(const std::string &protocol, const std::string &mechanism = "",
	                                 const std::string &user = "", const std::string &password = "",
	                                 const std::string &ca = "ca.pem") {
		std::string x = " -X security.protocol=" + protocol;
		if (protocol.find("SSL") != std::string::npos) {
			x += " -X ssl.ca.location=" + certs_->file(ca).string();
		}
		if (protocol.rfind("SASL", 0) == 0) {
			x += " -X sasl.mechanism=" + mechanism + " -X sasl.username=" + user + " -X sasl.password=" + password;
		}
		return x;
	}

	//! kcat's -X options presenting a client certificate.
	static std::string client_cert(const std::string &cert = "client.pem", const std::string &key = "client.key") {
		return " -X ssl.certificate.location=" + certs_->file(cert).string() +
		       " -X ssl.key.location=" + certs_->file(key).string();
	}

	static kafkaml::testing::TempDir *cert_dir_;
	static Certificates *certs_;
	static SecureBroker *broker_;
};

kafkaml::testing::TempDir *BrokerSecurity::cert_dir_ = nullptr;
Certificates *BrokerSecurity::certs_ = nullptr;
SecureBroker *BrokerSecurity::broker_ = nullptr;

struct Case {
	SecurityProtocol protocol;
	std::string name;
	User user;
};

std::vector<Case> every_case() {
	std::vector<Case> cases = {{SecurityProtocol::Ssl, "SSL", {}}};
	for (const auto &u : kUsers) {
		cases.push_back({SecurityProtocol::SaslPlaintext, "SASL_PLAINTEXT", u});
		cases.push_back({SecurityProtocol::SaslSsl, "SASL_SSL", u});
	}
	return cases;
}

} // namespace

TEST_F(BrokerSecurity, KcatProducesAndConsumesOverEveryProtocolAndMechanism) {
	int n = 0;
	for (const auto &c : every_case()) {
		std::string topic = "kc-" + std::to_string(n++);
		std::string b = " -b " + broker_->address(c.protocol) +
		                kcat_security(c.name, c.user.mechanism, c.user.name, c.user.password);
		SCOPED_TRACE(c.name + " " + c.user.mechanism);
		auto produce = run_shell("printf 'k1:v1\\nk2:v2\\n' | kcat" + b + " -P -t " + topic + " -K : 2>&1");
		ASSERT_EQ(produce.status, 0) << produce.out;
		auto consume = run_shell("kcat" + b + " -C -t " + topic + " -o beginning -e -q -f '%k=%s@%o\\n' 2>&1");
		ASSERT_EQ(consume.status, 0) << consume.out;
		EXPECT_EQ(consume.out, "k1=v1@0\nk2=v2@1\n");
	}
}

TEST_F(BrokerSecurity, MetadataAdvertisesTheListenerTheClientCameThrough) {
	for (const auto &c : every_case()) {
		auto address = broker_->address(c.protocol);
		auto list = run_shell("kcat -b " + address +
		                      kcat_security(c.name, c.user.mechanism, c.user.name, c.user.password) + " -L 2>&1");
		ASSERT_EQ(list.status, 0) << list.out;
		EXPECT_NE(list.out.find("broker 0 at " + address), std::string::npos) << c.name << "\n" << list.out;
	}
	auto plain = run_shell("kcat -b " + broker_->address(SecurityProtocol::Plaintext) + " -L 2>&1");
	EXPECT_NE(plain.out.find("broker 0 at " + broker_->address(SecurityProtocol::Plaintext)), std::string::npos)
	    << plain.out;
}

TEST_F(BrokerSecurity, LargeFetchesOverTlsArriveWhole) {
	// Several MiB per fetch: the bounded pread buffer and partial SSL writes.
	std::string b = " -b " + broker_->address(SecurityProtocol::SaslSsl) +
	                kcat_security("SASL_SSL", "SCRAM-SHA-512", "carol", "carol-pw-512");
	auto produce = run_shell("seq 1 40000 | awk '{printf \"%s-%0500d\\n\", $1, 0}' | kcat" + b +
	                         " -P -t big -X batch.size=1000000 2>&1");
	ASSERT_EQ(produce.status, 0) << produce.out;
	auto consume = run_shell("kcat" + b + " -C -t big -o beginning -e -q -X fetch.max.bytes=8000000 | md5sum");
	auto expected = run_shell("seq 1 40000 | awk '{printf \"%s-%0500d\\n\", $1, 0}' | md5sum");
	ASSERT_EQ(consume.status, 0) << consume.err;
	EXPECT_EQ(consume.out, expected.out);
}

TEST_F(BrokerSecurity, PythonClientsProduceAndConsumeInGroupsOverEveryProtocolAndMechanism) {
	auto script = kafkaml::testing::source_dir() / "src/broker/tests/python/secure_roundtrip.py";
	int n = 0;
	for (std::string client : {"confluent", "kafka-python"}) {
		for (const auto &c : every_case()) {
			SCOPED_TRACE(client + " " + c.name + " " + c.user.mechanism);
			auto run = kafkaml::testing::run(
			    {.argv = {"/usr/bin/python3", script.string(), client, broker_->address(c.protocol), c.name,
			              c.user.mechanism.empty() ? "-" : c.user.mechanism, c.user.name, c.user.password,
			              certs_->file("ca.pem").string(), "py-" + std::to_string(n++)},
			     .err = kafkaml::testing::Output::to_stdout()});
			EXPECT_EQ(run.status, 0) << run.out;
			EXPECT_NE(run.out.find("ok"), std::string::npos) << run.out;
		}
	}
}

TEST_F(BrokerSecurity, WrongPasswordIsRefusedWithKafkasMessage) {
	for (const auto &c : every_case()) {
		if (c.user.name.empty()) {
			continue;
		}
		auto list = run_shell("kcat -m 5 -b " + broker_->address(c.protocol) +
		                      kcat_security(c.name, c.user.mechanism, c.user.name, "wrong") + " -L 2>&1");
		EXPECT_NE(list.status, 0) << list.out;
		std::string expected = c.user.mechanism == "PLAIN"
		                           ? "Authentication failed: Invalid username or password"
		                           : "invalid credentials with SASL mechanism " + c.user.mechanism;
		EXPECT_NE(list.out.find(expected), std::string::npos) << c.name << "\n" << list.out;
	}
	// An unknown user gets the same answer as a wrong password.
	auto unknown = run_shell("kcat -m 5 -b " + broker_->address(SecurityProtocol::SaslSsl) +
	                         kcat_security("SASL_SSL", "SCRAM-SHA-256", "nobody", "x") + " -L 2>&1");
	EXPECT_NE(unknown.out.find("invalid credentials with SASL mechanism SCRAM-SHA-256"), std::string::npos)
	    << unknown.out;

	auto script = kafkaml::testing::source_dir() / "src/broker/tests/python/secure_roundtrip.py";
	auto confluent = kafkaml::testing::run(
	    {.argv = {"/usr/bin/python3", script.string(), "confluent", broker_->address(SecurityProtocol::SaslSsl),
	              "SASL_SSL", "PLAIN", "alice", "wrong", certs_->file("ca.pem").string(), "x", "--expect-failure"},
	     .err = kafkaml::testing::Output::to_stdout()});
	EXPECT_EQ(confluent.status, 0) << confluent.out;
	EXPECT_NE(confluent.out.find("Authentication failed: Invalid username or password"), std::string::npos)
	    << confluent.out;
	// kafka-python 2.0 uses SaslHandshake v0, whose bare tokens carry no
	// error: the broker closes the connection (as Kafka does) and the client
	// can only log a reset while authenticating.
	auto kafka_python =
	    kafkaml::testing::run({.argv = {"/usr/bin/python3", script.string(), "kafka-python",
	                                    broker_->address(SecurityProtocol::SaslSsl), "SASL_SSL", "SCRAM-SHA-256", "bob",
	                                    "wrong", certs_->file("ca.pem").string(), "x", "--expect-failure"},
	                           .err = kafkaml::testing::Output::to_stdout()});
	EXPECT_EQ(kafka_python.status, 0) << kafka_python.out;
	EXPECT_NE(kafka_python.out.find("refused"), std::string::npos) << kafka_python.out;
	EXPECT_NE(kafka_python.out.find("<authenticating>"), std::string::npos) << kafka_python.out;
}

TEST_F(BrokerSecurity, UntrustedServerCertificateIsRefusedByTheClient) {
	auto list = run_shell("kcat -m 5 -b " + broker_->address(SecurityProtocol::Ssl) +
	                      kcat_security("SSL", "", "", "", "other-ca.pem") + " -L 2>&1");
	EXPECT_NE(list.status, 0) << list.out;
	EXPECT_NE(list.out.find("certificate verify failed"), std::string::npos) << list.out;
}

TEST_F(BrokerSecurity, ClientsThatDoNotSpeakTheListenersProtocolAreClosed) {
	// Plaintext to a TLS port: the handshake fails, the connection closes.
	auto plain_to_tls =
	    run_shell("kcat -m 3 -b " + broker_->address(SecurityProtocol::Ssl) + " -L 2>&1", std::chrono::seconds(20));
	EXPECT_NE(plain_to_tls.status, 0) << plain_to_tls.out;
	// No SASL on a SASL port: Metadata before authentication closes it.
	auto no_sasl = run_shell("kcat -m 3 -b " + broker_->address(SecurityProtocol::SaslPlaintext) + " -L 2>&1",
	                         std::chrono::seconds(20));
	EXPECT_NE(no_sasl.status, 0) << no_sasl.out;
	// Garbage on the TLS port; the broker goes on serving.
	run_shell("head -c 100000 /dev/urandom | timeout 2 bash -c 'cat > /dev/tcp/127.0.0.1/" +
	          broker_->address(SecurityProtocol::Ssl).substr(10) + "' 2>&1");
	auto ok = run_shell("kcat -b " + broker_->address(SecurityProtocol::Ssl) + kcat_security("SSL") + " -L 2>&1");
	EXPECT_EQ(ok.status, 0) << ok.out;
}

TEST_F(BrokerSecurity, UsersAddedOrRemovedWithTheCliTakeEffectAtOnce) {
	auto kafkaml = kafkaml::testing::kafkaml_binary().string();
	auto dir = broker_->data_dir().string();
	std::string b = " -b " + broker_->address(SecurityProtocol::SaslSsl);
	auto add = run_shell("printf 'dave-secret\\n' | " + kafkaml +
	                     " broker users add dave --mechanism SCRAM-SHA-256 "
	                     "--data-dir " +
	                     dir + " 2>&1");
	ASSERT_EQ(add.status, 0) << add.out;
	auto list = run_shell(kafkaml + " broker users list --data-dir " + dir);
	EXPECT_NE(list.out.find("dave\tSCRAM-SHA-256"), std::string::npos) << list.out;
	auto works = run_shell("kcat" + b + kcat_security("SASL_SSL", "SCRAM-SHA-256", "dave", "dave-secret") + " -L 2>&1");
	EXPECT_EQ(works.status, 0) << works.out;
	auto remove = run_shell(kafkaml + " broker users remove dave --data-dir " + dir + " 2>&1");
	ASSERT_EQ(remove.status, 0) << remove.out;
	auto refused =
	    run_shell("kcat -m 5" + b + kcat_security("SASL_SSL", "SCRAM-SHA-256", "dave", "dave-secret") + " -L 2>&1");
	EXPECT_NE(refused.status, 0) << refused.out;
}

TEST_F(BrokerSecurity, UsersFileHoldsNoPasswordAndOnlyItsOwnerReadsIt) {
	auto path = broker_->data_dir() / kafkaml::broker::sasl::UserStore::kFileName;
	auto text = read_file(path);
	ASSERT_FALSE(text.empty());
	for (const auto &u : kUsers) {
		EXPECT_NE(text.find(u.name), std::string::npos);
		EXPECT_EQ(text.find(u.password), std::string::npos) << u.password;
	}
	struct stat st {};
	ASSERT_EQ(::stat(path.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(BrokerSecurity, AMechanismTheListenerDoesNotEnableIsRefused) {
	SecureBroker only_scram(*certs_, kafkaml::broker::ClientAuth::None, {"SCRAM-SHA-512"});
	auto list = run_shell("kcat -m 5 -b " + only_scram.address(SecurityProtocol::SaslPlaintext) +
	                      kcat_security("SASL_PLAINTEXT", "PLAIN", "alice", "alice-pw-1") + " -L 2>&1");
	EXPECT_NE(list.status, 0) << list.out;
	// librdkafka checks the mechanisms the handshake lists.
	EXPECT_NE(list.out.find("SCRAM-SHA-512"), std::string::npos) << list.out;
}

TEST_F(BrokerSecurity, ClientCertificatesRequiredOrRequested) {
	for (auto auth : {kafkaml::broker::ClientAuth::Required, kafkaml::broker::ClientAuth::Requested}) {
		bool required = auth == kafkaml::broker::ClientAuth::Required;
		SCOPED_TRACE(required ? "required" : "requested");
		SecureBroker broker(*certs_, auth);
		std::string b = " -b " + broker.address(SecurityProtocol::Ssl) + kcat_security("SSL");
		auto without = run_shell("kcat -m 5" + b + " -L 2>&1");
		EXPECT_EQ(without.status != 0, required) << without.out;
		auto with = run_shell("kcat" + b + client_cert() + " -L 2>&1");
		EXPECT_EQ(with.status, 0) << with.out;
		// A certificate from a CA the broker does not trust is refused.
		auto stranger = run_shell("kcat -m 5" + b + client_cert("stranger.pem", "other-ca.key") + " -L 2>&1");
		EXPECT_NE(stranger.status, 0) << stranger.out;
		// SASL over TLS with a client certificate too.
		auto sasl =
		    run_shell("printf 'a\\n' | kcat -b " + broker.address(SecurityProtocol::SaslSsl) +
		              kcat_security("SASL_SSL", "PLAIN", "alice", "alice-pw-1") + client_cert() + " -P -t cert 2>&1");
		EXPECT_EQ(sasl.status, 0) << sasl.out;
	}
}

namespace {

using kafkaml::broker::testing::RawClient;
using kafkaml::broker::testing::request;
namespace protocol = kafkaml::broker::protocol;

//! SaslHandshake v1 for `mechanism`; returns the error code and the list.
std::pair<int16_t, std::vector<std::string>> sasl_handshake(RawClient &c, const std::string &mechanism) {
	c.send(request(17, 1, 1, [&](protocol::Writer &w) { w.string(mechanism); }));
	auto resp = c.receive();
	if (!resp) {
		throw std::runtime_error("closed after SaslHandshake");
	}
	protocol::Reader r(*resp);
	r.i32();
	int16_t error = r.i16();
	std::vector<std::string> mechanisms;
	for (int32_t i = r.array_length(), n = 0; n < i; n++) {
		mechanisms.emplace_back(r.string());
	}
	return {error, mechanisms};
}

//! SaslAuthenticate v2 (flexible: request header v2, compact fields).
std::pair<int16_t, std::string> sasl_authenticate_v2(RawClient &c, const std::string &token) {
	c.send(request(36, 2, 2, [&](protocol::Writer &w) {
		w.empty_tagged_fields(); // request header v2
		w.compact_bytes(std::span(reinterpret_cast<const uint8_t *>(token.data()), token.size()));
		w.empty_tagged_fields();
	}));
	auto resp = c.receive();
	if (!resp) {
		throw std::runtime_error("closed after SaslAuthenticate");
	}
	protocol::Reader r(*resp);
	EXPECT_EQ(r.i32(), 2);
	r.skip_tagged_fields(); // response header v1
	int16_t error = r.i16();
	auto message = r.compact_nullable_string();
	return {error, message ? std::string(*message) : ""};
}

std::string plain_token(const std::string &user, const std::string &password) {
	return std::string("\0", 1) + user + std::string("\0", 1) + password;
}

} // namespace

TEST_F(BrokerSecurity, SaslApisOverARawSocket) {
	auto address = broker_->address(SecurityProtocol::SaslPlaintext);
	{
		// Metadata before authentication closes the connection.
		RawClient c(address);
		c.send(request(3, 1, 7, [](protocol::Writer &w) { w.array_length(0); }));
		EXPECT_FALSE(c.receive());
	}
	{
		// An unknown mechanism: UNSUPPORTED_SASL_MECHANISM with the list.
		RawClient c(address);
		auto [error, mechanisms] = sasl_handshake(c, "GSSAPI");
		EXPECT_EQ(error, 33);
		EXPECT_EQ(mechanisms, (std::vector<std::string>{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}));
	}
	{
		// Flexible SaslAuthenticate v2, wrong then (new connection) right.
		RawClient c(address);
		EXPECT_EQ(sasl_handshake(c, "PLAIN").first, 0);
		auto [error, message] = sasl_authenticate_v2(c, plain_token("alice", "nope"));
		EXPECT_EQ(error, 58);
		EXPECT_EQ(message, "Authentication failed: Invalid username or password");
		EXPECT_FALSE(c.receive()); // closed after the answer
	}
	RawClient c(address);
	EXPECT_EQ(sasl_handshake(c, "PLAIN").first, 0);
	EXPECT_EQ(sasl_authenticate_v2(c, plain_token("alice", "alice-pw-1")).first, 0);
	c.send(request(18, 0, 9, [](protocol::Writer &) {}));
	auto versions = c.receive();
	ASSERT_TRUE(versions);
	// A second handshake on an authenticated connection: ILLEGAL_SASL_STATE.
	EXPECT_EQ(sasl_handshake(c, "PLAIN").first, 34);
}

TEST_F(BrokerSecurity, AdvertisedListenersArePerProtocol) {
	kafkaml::testing::TempDir dir("advertised");
	kafkaml::broker::BrokerConfig config;
	config.data_dir = dir.path();
	config.listeners = kafkaml::broker::parse_listeners("PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0", "test");
	config.advertised_listeners = kafkaml::broker::parse_listeners("SSL://localhost:19093", "test");
	config.tls.cert_file = certs_->file("server.pem");
	config.tls.key_file = certs_->file("server.key");
	kafkaml::broker::Broker broker(config);
	broker.start();
	auto plain = broker.listeners().at(0).listen_address;
	auto tls = broker.listeners().at(1).listen_address;
	auto plain_list = run_shell("kcat -b " + plain + " -L 2>&1");
	EXPECT_NE(plain_list.out.find("broker 0 at " + plain), std::string::npos) << plain_list.out;
	auto tls_list = run_shell("kcat -b " + tls + kcat_security("SSL") + " -L 2>&1");
	EXPECT_NE(tls_list.out.find("broker 0 at localhost:19093"), std::string::npos) << tls_list.out;
	EXPECT_EQ(broker.listeners().at(1).advertised_address, "localhost:19093");
}

TEST(BrokerListeners, KafkasSyntaxIsParsedAndMistakesAreExplained) {
	auto l = kafkaml::broker::parse_listeners("PLAINTEXT://127.0.0.1:9092,SASL_SSL://[::1]:0,SSL://:9094", "x");
	ASSERT_EQ(l.size(), 3u);
	EXPECT_EQ(l[1].protocol, SecurityProtocol::SaslSsl);
	EXPECT_EQ(l[1].host, "::1");
	EXPECT_EQ(l[1].address(), "[::1]:0");
	EXPECT_EQ(l[2].host, "");
	EXPECT_EQ(l[2].port, 9094);
	for (std::string bad : {"TLS://a:1", "PLAINTEXT://a", "PLAINTEXT://a:99999", "a:1", "SSL://a:1,SSL://b:2", ""}) {
		EXPECT_THROW(kafkaml::broker::parse_listeners(bad, "--listeners"), std::invalid_argument) << bad;
	}
}

TEST(BrokerListeners, TheCliPrintsEveryBoundListener) {
	kafkaml::testing::TempDir dir("cli-listeners");
	auto d = dir.path().string();
	auto kafkaml = kafkaml::testing::kafkaml_binary().string();
	must("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 1 -subj /CN=x 2>&1");
	auto run = run_shell("(" + kafkaml + " broker --data-dir " + d + "/data --listeners PLAINTEXT://127.0.0.1:0," +
	                     "SSL://127.0.0.1:0 --ssl-cert-file " + d + "/c.pem --ssl-key-file " + d +
	                     "/k.pem & pid=$!; sleep 2; kill $pid; wait $pid) 2>/dev/null");
	EXPECT_TRUE(std::regex_search(
	    run.out, std::regex("^PLAINTEXT://127\\.0\\.0\\.1:[1-9][0-9]*\nSSL://127\\.0\\.0\\.1:[1-9][0-9]*\n$")))
	    << run.out;
	auto missing = run_shell(kafkaml + " broker --data-dir " + d + "/data2 --listeners SSL://127.0.0.1:0 2>&1");
	EXPECT_NE(missing.status, 0);
	EXPECT_NE(missing.out.find("--ssl-cert-file"), std::string::npos) << missing.out;
}
