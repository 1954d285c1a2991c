#include "ml/output_losses.h"

#include "ml/plan.h"

#include <fmt/format.h>

#include <algorithm>

namespace kafkaml::ml {

OutputLosses::OutputLosses(const ModelSpec &spec, const std::vector<Shape> &outputs) {
	const CompileSpec &c = spec.compile;
	const size_t n = outputs.size();
	for (size_t o = 0; o < n; o++) {
		// A spec written in code may give one loss for all; compile() fills one per output.
		const LossSpec &loss_spec = c.losses.size() == n ? c.losses[o] : c.loss;
		// Several outputs: each its own list (a plain list is repeated for every output).
		const std::vector<MetricSpec> metrics =
		    n > 1 && c.output_metrics.size() == n ? c.output_metrics[o] : compiled_metrics(c);
		const Loss loss = resolve_loss(loss_spec);
		const OutputRows rows = output_rows(outputs[o]); // losses and metrics read the last axis
		Head &head = heads_.emplace_back(MetricSet(metrics, loss, rows.width));
		head.name = o < spec.outputs.size() ? spec.outputs[o].name : "output_" + std::to_string(o + 1);
		head.loss = loss;
		head.loss_name = loss_spec.name;
		head.weight = c.loss_weights.size() == n ? c.loss_weights[o] : 1.0;
		head.rows = rows;
		head.width = shape_size(outputs[o]);
		head.offset = width_;
		head.label_width = rows.labels(loss);
		head.label_offset = label_width_;
		width_ += head.width;
		label_width_ += head.label_width;
	}
}

std::string OutputLosses::describe_labels() const {
	if (heads_.size() == 1) {
		return fmt::format("{} value(s) per sample for loss '{}'", label_width_, heads_[0].loss_name);
	}
	std::string each;
	for (const auto &head : heads_) {
		each += fmt::format("{}{}: {} for loss '{}'", each.empty() ? "" : ", ", head.name, head.label_width,
		                    head.loss_name);
	}
	return fmt::format("{} values per sample, the outputs' in order ({})", label_width_, each);
}

void OutputLosses::gather(Head &head, const float *out, const float *labels, int64_t rows) const {
	head.out.resize(static_cast<size_t>(rows * head.width));
	head.labels.resize(static_cast<size_t>(rows * head.label_width));
	for (int64_t r = 0; r < rows; r++) {
		std::copy_n(out + r * width_ + head.offset, head.width, head.out.data() + r * head.width);
		std::copy_n(labels + r * label_width_ + head.label_offset, head.label_width,
		            head.labels.data() + r * head.label_width);
	}
}

double OutputLosses::forward_backward(const float *out, const float *labels, int64_t rows, float *dout) {
	if (heads_.size() == 1) { // the buffers are the head's own: no copies
		Head &head = heads_[0];
		head.last_loss = loss_forward_backward(head.loss, out, labels, rows * head.rows.rows, head.rows.width, dout);
		if (dout && head.weight != 1.0) {
			std::for_each(dout, dout + rows * head.width, [&](float &d) { d *= static_cast<float>(head.weight); });
		}
		return head.weight * head.last_loss;
	}
	double total = 0.0;
	for (auto &head : heads_) {
		gather(head, out, labels, rows);
		head.dout.resize(head.out.size());
		head.last_loss = loss_forward_backward(head.loss, head.out.data(), head.labels.data(), rows * head.rows.rows,
		                                       head.rows.width, dout ? head.dout.data() : nullptr);
		total += head.weight * head.last_loss;
		if (!dout) {
			continue;
		}
		for (int64_t r = 0; r < rows; r++) {
			for (int64_t i = 0; i < head.width; i++) {
				dout[r * width_ + head.offset + i] =
				    static_cast<float>(head.weight) * head.dout[static_cast<size_t>(r * head.width + i)];
			}
		}
	}
	return total;
}

void OutputLosses::reset_metrics() {
	for (auto &head : heads_) {
		head.metrics.reset();
	}
	loss_sum_ = seen_ = 0.0;
}

void OutputLosses::update_metrics(const float *out, const float *labels, int64_t rows, double batch_loss) {
	if (heads_.size() == 1) {
		heads_[0].metrics.update(out, labels, rows * heads_[0].rows.rows, batch_loss);
		return;
	}
	loss_sum_ += batch_loss * static_cast<double>(rows);
	seen_ += static_cast<double>(rows);
	for (auto &head : heads_) {
		gather(head, out, labels, rows);
		head.metrics.update(head.out.data(), head.labels.data(), rows * head.rows.rows, head.last_loss);
	}
}

MetricValues OutputLosses::results() const {
	if (heads_.size() == 1) {
		return heads_[0].metrics.results();
	}
	MetricValues values{{"loss", seen_ > 0 ? loss_sum_ / seen_ : 0.0}};
	std::vector<MetricValues> each;
	for (const auto &head : heads_) {
		each.push_back(head.metrics.results()); // "loss" first, then the metrics
		values.emplace_back(head.name + "_loss", each.back().front().second);
	}
	for (size_t o = 0; o < heads_.size(); o++) {
		for (size_t i = 1; i < each[o].size(); i++) {
			values.emplace_back(heads_[o].name + "_" + each[o][i].first, each[o][i].second);
		}
	}
	return values;
}

} // namespace kafkaml::ml
