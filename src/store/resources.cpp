#include "store/resources.h"

#include <cmath>
#include <stdexcept>

namespace kafkaml::store {
namespace {

int64_t memory_bytes(const nlohmann::json &value) {
	const std::string what = "\"memory\" must be bytes (an integer) or a size like \"512Mi\" or \"2Gi\"";
	if (value.is_number_integer()) {
		return value.get<int64_t>();
	}
	if (!value.is_string()) {
		throw std::invalid_argument(what);
	}
	auto text = value.get<std::string>();
	size_t digits = 0;
	double number = 0;
	try {
		number = std::stod(text, &digits);
	} catch (const std::exception &) {
		throw std::invalid_argument(what + ", not \"" + text + "\"");
	}
	auto suffix = text.substr(digits);
	double unit = 0;
	for (auto [name, size] : std::initializer_list<std::pair<const char *, double>>{
	         {"", 1}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}}) {
		if (suffix == name) {
			unit = size;
		}
	}
	if (unit == 0 || !(number >= 0)) {
		throw std::invalid_argument(what + ", not \"" + text + "\"");
	}
	return static_cast<int64_t>(std::llround(number * unit));
}

} // namespace

Resources resources_from_api(const nlohmann::json &value) {
	Resources resources;
	if (value.is_null()) {
		return resources;
	}
	if (!value.is_object()) {
		throw std::invalid_argument("must be an object like {\"cpu\": 1.5, \"memory\": \"512Mi\"}");
	}
	for (const auto &[key, field] : value.items()) {
		if (key != "cpu" && key != "memory" && key != "gpu") {
			throw std::invalid_argument("has \"cpu\", \"memory\" and \"gpu\" only, not \"" + key + "\"");
		}
	}
	if (value.contains("cpu") && !value["cpu"].is_null()) {
		if (!value["cpu"].is_number() || !(value["cpu"].get<double>() > 0) || value["cpu"].get<double>() > 1024) {
			throw std::invalid_argument("\"cpu\" must be a number of CPUs above 0, like 1.5");
		}
		resources.cpu = value["cpu"].get<double>();
	}
	if (value.contains("memory") && !value["memory"].is_null()) {
		resources.memory = memory_bytes(value["memory"]);
		// Docker refuses less than 6 MiB; a job needs far more anyway.
		if (resources.memory < 6 * 1048576) {
			throw std::invalid_argument("\"memory\" must be at least 6Mi");
		}
	}
	if (value.contains("gpu") && !value["gpu"].is_null()) {
		if (!value["gpu"].is_number_integer() || value["gpu"].get<int64_t>() < 0 || value["gpu"].get<int64_t>() > 64) {
			throw std::invalid_argument("\"gpu\" must be a whole number of GPUs from 0 to 64");
		}
		resources.gpu = value["gpu"].get<int64_t>();
	}
	return resources;
}

nlohmann::json resources_to_api(const Resources &resources) {
	auto out = nlohmann::json::object();
	if (resources.cpu > 0) {
		out["cpu"] = resources.cpu;
	}
	if (resources.memory > 0) {
		constexpr int64_t mi = 1048576, gi = 1073741824;
		out["memory"] = resources.memory % gi == 0   ? std::to_string(resources.memory / gi) + "Gi"
		                : resources.memory % mi == 0 ? std::to_string(resources.memory / mi) + "Mi"
		                                             : std::to_string(resources.memory);
	}
	if (resources.gpu > 0) {
		out["gpu"] = resources.gpu;
	}
	return out;
}

std::string resources_to_text(const Resources &resources) {
	auto out = nlohmann::json::object();
	if (resources.cpu > 0) {
		out["cpu"] = resources.cpu;
	}
	if (resources.memory > 0) {
		out["memory"] = resources.memory;
	}
	if (resources.gpu > 0) {
		out["gpu"] = resources.gpu;
	}
	return out.dump();
}

Resources resources_from_text(const std::string &text) {
	Resources resources;
	if (text.empty()) {
		return resources;
	}
	auto value = nlohmann::json::parse(text);
	resources.cpu = value.value("cpu", 0.0);
	resources.memory = value.value("memory", int64_t{0});
	resources.gpu = value.value("gpu", int64_t{0});
	return resources;
}

} // namespace kafkaml::store
