#include "client/result_summary.h"

#include "client/table.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace kafkaml::client {

using nlohmann::json;

namespace {

std::string number(const json &value) {
	if (!value.is_number()) {
		return value.is_string() ? value.get<std::string>() : value.dump();
	}
	char text[32];
	std::snprintf(text, sizeof text, "%.4g", value.get<double>());
	return text;
}

//! "loss 0.25  accuracy 0.9"; nested values (a confusion matrix) are left
//! to --json.
std::string metrics_line(const json &metrics) {
	std::string out;
	if (!metrics.is_object()) {
		return out;
	}
	for (const auto &[name, value] : metrics.items()) {
		if (value.is_structured()) {
			continue;
		}
		out += (out.empty() ? "" : "  ") + name + " " + number(value);
	}
	return out.empty() ? "-" : out;
}

std::string text_of(const json &result, const char *field) {
	const json &value = result.value(field, json());
	if (value.is_null()) {
		return "";
	}
	return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

std::string result_summary(const json &result, long last_epochs) {
	std::string out;
	auto line = [&out](const std::string &label, const std::string &value) {
		if (!value.empty()) {
			out += label + ": " + value + "\n";
		}
	};
	const json &epochs = result.contains("epochs") && result["epochs"].is_array() ? result["epochs"] : json::array();
	line("result", text_of(result, "id"));
	line("deployment", text_of(result, "deployment"));
	line("model", text_of(result, "model"));
	line("status", text_of(result, "status"));
	line("detail", text_of(result, "status_detail"));
	line("restarts", text_of(result, "restart_detail"));
	// The server's last_epoch and epoch_count when it sent them: `epochs` may
	// hold only the newest few.
	const json &last_epoch = result.value("last_epoch", json());
	int64_t run = last_epoch.is_object() ? last_epoch.value("epoch", int64_t(0))
	              : epochs.empty()       ? 0
	                                     : epochs.back().value("epoch", int64_t(0));
	size_t recorded = std::max(epochs.size(), size_t(result.value("epoch_count", int64_t(0))));
	line("epochs run", std::to_string(run));
	const json &time = result.value("training_time", json());
	line("training time", time.is_number() ? number(time) + " s" : "");
	if (!epochs.empty()) {
		line("last epoch", metrics_line(epochs.back().value("metrics", json::object())));
	}
	for (auto [label, field] : {std::pair{"train metrics", "train_metrics"}, std::pair{"val metrics", "val_metrics"},
	                            std::pair{"test metrics", "test_metrics"}}) {
		const json &metrics = result.value(field, json::object());
		if (metrics.is_object() && !metrics.empty()) {
			line(label, metrics_line(metrics));
		}
	}
	// A model with early exits: each exit's metrics, then at each threshold
	// the share of inputs it answers and its accuracy on them.
	const json &exits = result.contains("exits") && result["exits"].is_array() ? result["exits"] : json::array();
	for (const auto &exit : exits) {
		std::string text = metrics_line(exit.value("metrics", json::object()));
		const json &thresholds = exit.value("thresholds", json::array());
		for (const auto &t : thresholds) {
			const json &share = t.value("share", json()), &accuracy = t.value("accuracy", json());
			text += std::string(&t == &thresholds.front() ? "; answers at " : ", ") +
			        number(t.value("threshold", json())) + " " +
			        (share.is_number() ? number(share.get<double>() * 100) + "%" : "-") +
			        (accuracy.is_number() ? " (accuracy " + number(accuracy) + ")" : "");
		}
		line("exit " + text_of(exit, "index") + " " + text_of(exit, "name"), text);
	}
	// A continual training's drifts: where each was found and the error's move.
	const json &drifts = result.contains("drifts") && result["drifts"].is_array() ? result["drifts"] : json::array();
	for (const auto &drift : drifts) {
		std::string text = "after " + text_of(drift, "records") + " records";
		if (drift.contains("error_before") && drift.contains("error_after")) {
			text += ", " + drift.value("measure", std::string("error")) + " " + number(drift["error_before"]) + " -> " +
			        number(drift["error_after"]);
		}
		if (auto response = drift.value("response", std::string("none")); response != "none") {
			text += ", " + response;
		}
		line("drift", text + " (" + text_of(drift, "created_at") + ")");
	}
	if (epochs.empty()) {
		return out;
	}
	size_t shown = last_epochs < 0 ? epochs.size() : std::min(epochs.size(), size_t(last_epochs));
	if (shown == 0) {
		return out;
	}
	// Columns: epoch, then every metric name in first-seen order.
	std::vector<Column> columns = {{"EPOCH", "epoch"}};
	std::set<std::string> names;
	json rows = json::array();
	for (size_t i = epochs.size() - shown; i < epochs.size(); i++) {
		json row = {{"epoch", epochs[i].value("epoch", json())}};
		json metrics = epochs[i].value("metrics", json::object());
		for (const auto &[name, value] : metrics.items()) {
			if (names.insert(name).second) {
				std::string header;
				for (char c : name) {
					header += char(std::toupper(static_cast<unsigned char>(c)));
				}
				columns.push_back({header, name});
			}
			row[name] = value.is_number() ? json(number(value)) : value;
		}
		rows.push_back(std::move(row));
	}
	out += shown == recorded ? "\n" : "\nlast " + std::to_string(shown) + " epochs (--epochs for all):\n";
	out += format_table(columns, rows);
	return out;
}

} // namespace kafkaml::client
