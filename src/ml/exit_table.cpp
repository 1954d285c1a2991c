#include "ml/exit_table.h"

#include <algorithm>
#include <stdexcept>

namespace kafkaml::ml {

const std::vector<double> &default_exit_thresholds() {
	static const std::vector<double> thresholds{0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99};
	return thresholds;
}

ExitDecisions exit_decisions(const float *probabilities, int64_t rows, int64_t classes,
                             const std::vector<int64_t> &labels, ConfidenceRule rule) {
	if (static_cast<int64_t>(labels.size()) != rows || classes < 1) {
		throw std::invalid_argument("an exit's decisions need one label per row and at least one class");
	}
	ExitDecisions d;
	d.confidence.reserve(static_cast<size_t>(rows));
	d.correct.reserve(static_cast<size_t>(rows));
	for (int64_t r = 0; r < rows; r++) {
		const float *row = probabilities + r * classes;
		int64_t best = 0;
		if (classes == 1) {
			best = row[0] >= 0.5f ? 1 : 0;
		} else {
			best = std::max_element(row, row + classes) - row;
		}
		d.confidence.push_back(exit_confidence(row, static_cast<size_t>(classes), rule));
		d.correct.push_back(best == labels[static_cast<size_t>(r)]);
	}
	return d;
}

std::vector<std::vector<ExitThreshold>> exit_thresholds(const std::vector<ExitDecisions> &exits,
                                                        const std::vector<double> &thresholds) {
	size_t rows = 0;
	for (const auto &e : exits) {
		if (!e.confidence.empty()) {
			rows = e.confidence.size();
			break;
		}
	}
	for (const auto &e : exits) {
		if (!e.confidence.empty() && (e.confidence.size() != rows || e.correct.size() != rows)) {
			throw std::invalid_argument("every exit's decisions must cover the same inputs");
		}
	}
	std::vector<std::vector<ExitThreshold>> table(exits.size());
	for (double t : thresholds) {
		std::vector<bool> taken(rows, false);
		for (size_t k = 0; k < exits.size(); k++) {
			const ExitDecisions &e = exits[k];
			int64_t count = 0, right = 0;
			for (size_t r = 0; r < e.confidence.size(); r++) {
				if (taken[r] || e.confidence[r] < static_cast<float>(t)) {
					continue;
				}
				taken[r] = true;
				count++;
				right += e.correct[r] ? 1 : 0;
			}
			ExitThreshold row;
			row.threshold = t;
			row.count = count;
			row.share = rows == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(rows);
			if (count > 0) {
				row.accuracy = static_cast<double>(right) / static_cast<double>(count);
			}
			table[k].push_back(row);
		}
	}
	return table;
}

} // namespace kafkaml::ml
