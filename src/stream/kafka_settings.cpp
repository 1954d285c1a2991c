#include "stream/kafka_settings.h"

#include "stream/stream_error.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kafkaml::stream {
namespace {

std::string_view trim(std::string_view text) {
	auto first = text.find_first_not_of(" \t\r");
	if (first == std::string_view::npos) {
		return {};
	}
	auto last = text.find_last_not_of(" \t\r");
	return text.substr(first, last - first + 1);
}

bool ends_with(std::string_view text, std::string_view tail) {
	return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

} // namespace

bool is_secret_property(std::string_view name) {
	return ends_with(name, ".password") || ends_with(name, "secret") || name == "ssl.key.pem" ||
	       name == "sasl.oauthbearer.config";
}

std::string shown_property(const std::string &name, const std::string &value) {
	return name + "=" + (is_secret_property(name) ? std::string("***") : value);
}

std::string without_secret(std::string text, const std::string &name, const std::string &value) {
	if (!is_secret_property(name) || value.empty()) {
		return text;
	}
	for (auto at = text.find(value); at != std::string::npos; at = text.find(value, at + 3)) {
		text.replace(at, value.size(), "***");
	}
	return text;
}

std::string describe_properties(const KafkaProperties &properties) {
	std::string text;
	for (const auto &[name, value] : properties) {
		text += (text.empty() ? "" : ", ") + shown_property(name, value);
	}
	return text;
}

void check_property(const std::string &name, const std::string &value, const std::string &where) {
	// What the guarantees rest on: each inference's own consumer group,
	// offsets committed only after a prediction was acknowledged, an
	// idempotent producer. One group.id for every client would put every
	// inference and the control logger in one group.
	for (auto owned : {"group.id", "group.instance.id", "enable.auto.commit", "enable.auto.offset.store",
	                   "enable.idempotence", "transactional.id", "isolation.level"}) {
		if (name == owned) {
			throw StreamError(where + ": Kafka client property " + name +
			                      " is kafkaml's to set (each inference has its own consumer group and commits "
			                      "only what it predicted); leave it out",
			                  ErrorKind::user);
		}
	}
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char error[512] = {};
	auto result = rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error));
	rd_kafka_conf_destroy(conf);
	if (result != RD_KAFKA_CONF_OK) {
		throw StreamError(where + ": Kafka client property " + shown_property(name, value) +
		                      " is invalid: " + without_secret(error, name, value),
		                  ErrorKind::user);
	}
}

KafkaProperties parse_properties(std::string_view text, const std::string &where) {
	KafkaProperties properties;
	size_t number = 0;
	while (!text.empty()) {
		auto end = text.find('\n');
		auto line = trim(text.substr(0, end));
		text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
		++number;
		if (line.empty() || line.front() == '#') {
			continue;
		}
		auto at = where + ":" + std::to_string(number);
		auto eq = line.find('=');
		if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty()) {
			throw StreamError(at + ": not a Kafka client property: want name=value (a librdkafka property)",
			                  ErrorKind::user);
		}
		std::string name(trim(line.substr(0, eq)));
		std::string value(trim(line.substr(eq + 1)));
		check_property(name, value, at);
		properties[name] = value;
	}
	return properties;
}

KafkaProperties read_properties_file(const std::filesystem::path &file) {
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		throw StreamError("cannot read the Kafka client settings " + file.string() + ": " + std::strerror(errno),
		                  ErrorKind::user);
	}
	std::stringstream text;
	text << in.rdbuf();
	auto properties = parse_properties(text.str(), file.string());
	struct stat info {};
	bool open_to_others = ::stat(file.c_str(), &info) == 0 && (info.st_mode & 077) != 0;
	for (const auto &[name, value] : properties) {
		if (open_to_others && is_secret_property(name)) {
			spdlog::warn("{} holds {} and other users may read it: chmod 600 {}", file.string(), name, file.string());
			break;
		}
	}
	return properties;
}

KafkaProperties load_properties(const std::string &file, const std::vector<std::string> &overrides) {
	KafkaProperties properties;
	if (!file.empty()) {
		properties = read_properties_file(file);
	}
	for (const auto &assignment : overrides) {
		auto eq = assignment.find('=');
		auto name = std::string(trim(std::string_view(assignment).substr(0, eq)));
		if (eq == std::string::npos || name.empty()) {
			// Not echoed: a mistyped -X may still carry a secret.
			throw StreamError("-X wants a librdkafka property as name=value", ErrorKind::user);
		}
		auto value = assignment.substr(eq + 1);
		if (value.find('\n') != std::string::npos) {
			// The jobs' settings file has one property a line.
			throw StreamError("-X " + name + ": a value of several lines is not taken; give a PEM as a file (" +
			                      "ssl.ca.location, ssl.certificate.location, ssl.key.location)",
			                  ErrorKind::user);
		}
		check_property(name, value, "-X " + name);
		if (is_secret_property(name)) {
			spdlog::warn("-X {} puts a secret on this command line, which other users may list (ps); give it in "
			             "--kafka-config FILE instead",
			             name);
		}
		properties[name] = value;
	}
	return properties;
}

std::string format_properties(const KafkaProperties &properties) {
	std::string text = "# Kafka client settings (librdkafka properties), written by kafkaml for its jobs\n";
	for (const auto &[name, value] : properties) {
		text += name + "=" + value + "\n";
	}
	return text;
}

void write_properties_file(const std::filesystem::path &file, const KafkaProperties &properties) {
	auto fail = [&file](const std::string &what) {
		throw StreamError("cannot write the Kafka client settings " + file.string() + ": " + what, ErrorKind::fatal);
	};
	auto temporary = file.string() + ".tmp";
	::unlink(temporary.c_str());
	// O_EXCL with mode 0600: the file is never, even for a moment, open to
	// other users, whatever the umask.
	int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail(std::strerror(errno));
	}
	auto text = format_properties(properties);
	size_t written = 0;
	while (written < text.size()) {
		auto n = ::write(fd, text.data() + written, text.size() - written);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			auto reason = std::strerror(errno);
			::close(fd);
			::unlink(temporary.c_str());
			fail(reason);
		}
		written += static_cast<size_t>(n);
	}
	if (::fsync(fd) != 0 || ::close(fd) != 0) {
		::unlink(temporary.c_str());
		fail(std::strerror(errno));
	}
	if (::rename(temporary.c_str(), file.c_str()) != 0) {
		auto reason = std::strerror(errno);
		::unlink(temporary.c_str());
		fail(reason);
	}
}

} // namespace kafkaml::stream
