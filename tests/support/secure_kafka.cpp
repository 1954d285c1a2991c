#include "support/secure_kafka.h"

#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/files.h"

#include <stdexcept>
#include <sys/stat.h>

namespace kafkaml::testing {

namespace {

//! `bytes` into `file` made mode 0600 before the first of them is written.
void write_private_file(const std::filesystem::path &file, const std::string &bytes) {
	write_file(file, "");
	if (::chmod(file.c_str(), 0600) != 0) {
		throw std::runtime_error("cannot chmod 600 " + file.string());
	}
	write_file(file, bytes);
}

} // namespace

void add_broker_user(const std::filesystem::path &data_dir, const std::string &user, const std::string &password,
                     const std::string &mechanism) {
	auto password_file = data_dir.parent_path() / ("." + data_dir.filename().string() + "-password");
	write_private_file(password_file, password + "\n");
	auto added = run_shell(kafkaml_binary().string() + " broker users add '" + user + "' --mechanism " + mechanism +
	                       " --data-dir '" + data_dir.string() + "' < '" + password_file.string() + "' 2>&1");
	std::filesystem::remove(password_file);
	if (added.status != 0) {
		throw std::runtime_error("kafkaml broker users add " + user + " failed: " + added.out);
	}
}

std::map<std::string, std::string> sasl_ssl_properties(const std::string &user, const std::string &password,
                                                       const std::filesystem::path &ca_file,
                                                       const std::string &mechanism) {
	std::map<std::string, std::string> properties{{"security.protocol", "SASL_SSL"},
	                                              {"sasl.mechanism", mechanism},
	                                              {"sasl.username", user},
	                                              {"sasl.password", password}};
	if (!ca_file.empty()) {
		properties["ssl.ca.location"] = ca_file.string();
	}
	return properties;
}

void write_properties_file(const std::filesystem::path &file, const std::map<std::string, std::string> &properties) {
	std::string text;
	for (const auto &[key, value] : properties) {
		text += key + "=" + value + "\n";
	}
	write_private_file(file, text);
}

} // namespace kafkaml::testing
