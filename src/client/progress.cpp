#include "client/progress.h"

#include <cstdio>

namespace kafkaml::client {

using nlohmann::json;

bool is_terminal_status(const std::string &status) {
	return status == "finished" || status == "stopped" || status == "failed";
}

static std::string number(const json &value) {
	if (!value.is_number()) {
		return value.is_string() ? value.get<std::string>() : value.dump();
	}
	char text[32];
	std::snprintf(text, sizeof text, "%.4g", value.get<double>());
	return text;
}

std::string progress_line(const json &result, long planned_epochs, int width) {
	std::string status = result.value("status", std::string("?"));
	std::string out = "result " + result.value("id", json(0)).dump() + "  " + status;
	const json &epochs = result.value("epochs", json::array());
	long done = 0;
	json metrics = json::object();
	if (epochs.is_array() && !epochs.empty()) {
		done = epochs.back().value("epoch", 0L);
		metrics = epochs.back().value("metrics", json::object());
	}
	if (status == "finished" && planned_epochs > 0) {
		done = planned_epochs;
	}
	if (width > 0 && planned_epochs > 0) {
		long filled = std::min<long>(width, done * width / planned_epochs);
		out += "  [" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
	}
	if (done > 0 || planned_epochs > 0) {
		out += "  epoch " + std::to_string(done) + (planned_epochs > 0 ? "/" + std::to_string(planned_epochs) : "");
	}
	if (status == "finished" && metrics.empty()) {
		metrics = result.value("val_metrics", json::object());
	}
	if (metrics.is_object()) {
		for (const auto &[name, value] : metrics.items()) {
			out += "  " + name + " " + number(value);
		}
	}
	if (status == "failed") {
		const json &detail = result.value("status_detail", json());
		if (detail.is_string() && !detail.get<std::string>().empty()) {
			out += "  (" + detail.get<std::string>() + ")";
		}
	}
	return out;
}

} // namespace kafkaml::client
