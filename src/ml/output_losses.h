#pragma once

// The losses and metrics of a model's outputs, over the flat buffers fit()
// and evaluate() use: a sample's outputs are concatenated in
// ModelSpec::outputs order, each flattened row-major, and its labels
// likewise per output (for a sparse loss one class index per row of the
// output's last axis, e.g. one for an output (C,), T for (T, C); else as
// many as the output has values). As Keras: each output has its loss with
// its options and weight (compile's `loss` and `loss_weights`) and its
// metrics with their arguments, losses and metrics read the output's last
// axis (losses.h), the loss trained on and reported is sum(weight * loss),
// and the metrics are named "loss" and the metrics' display names with one
// output, or "loss", then "<output>_loss" for each output, then
// "<output>_<metric>" with several.
//
// Thread-safety: none; one per fit/evaluate call.

#include "ml/metrics.h"
#include "ml/numerics.h"
#include "ml/spec/model_spec.h"

#include <string>
#include <utility>
#include <vector>

namespace kafkaml::ml {

class OutputLosses {
public:
	//! `outputs` are the model's output shapes (ModelPlan::outputs). Throws
	//! std::invalid_argument for an unknown loss or metric, or metric arguments
	//! that do not fit the output (MetricSet).
	OutputLosses(const ModelSpec &spec, const std::vector<Shape> &outputs);

	//! Label values per sample.
	int64_t label_width() const { return label_width_; }
	size_t output_count() const { return heads_.size(); }
	//! What the labels must hold, for messages: "1 value(s) per sample for
	//! loss 'mse'", or per output with several.
	std::string describe_labels() const;

	//! The weighted loss of `rows` samples. When `dout` is not null it
	//! receives dL/dout for that loss (rows x the outputs' values).
	double forward_backward(const float *out, const float *labels, int64_t rows, float *dout);

	void reset_metrics();
	//! Adds the batch last given to forward_backward() to the metrics;
	//! `batch_loss` is the loss reported (its value, with any penalties).
	void update_metrics(const float *out, const float *labels, int64_t rows, double batch_loss);
	MetricValues results() const;
	//! One output's results: its loss (unweighted), then its metrics, under
	//! their own names.
	MetricValues output_results(size_t output) const { return heads_.at(output).metrics.results(); }
	//! Where an output's labels are in a label row: {offset, width}.
	std::pair<int64_t, int64_t> label_columns(size_t output) const {
		return {heads_.at(output).label_offset, heads_.at(output).label_width};
	}
	//! An output's values in an output row: {offset, width}.
	std::pair<int64_t, int64_t> output_columns(size_t output) const {
		return {heads_.at(output).offset, heads_.at(output).width};
	}

private:
	struct Head {
		explicit Head(MetricSet set) : metrics(std::move(set)) {}
		std::string name; //!< the output's
		Loss loss;
		std::string loss_name;
		double weight = 1.0;
		OutputRows rows;                           //!< how its loss and metrics read a sample
		int64_t width = 0, offset = 0;             //!< its values in an output row
		int64_t label_width = 0, label_offset = 0; //!< and in a label row
		MetricSet metrics;
		double last_loss = 0.0;
		std::vector<float> out, labels, dout; //!< its columns of the last batch (several outputs only)
	};
	//! Copies the head's columns of `rows` rows into its own buffers.
	void gather(Head &head, const float *out, const float *labels, int64_t rows) const;

	std::vector<Head> heads_;
	int64_t width_ = 0, label_width_ = 0;
	double loss_sum_ = 0.0, seen_ = 0.0; //!< the total loss over the epoch (several outputs)
};

} // namespace kafkaml::ml
