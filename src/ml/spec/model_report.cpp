#include "ml/spec/model_report.h"

#include "ml/spec/summary.h"

#include <algorithm>
#include <cstdio>

namespace kafkaml::ml {

namespace {

std::string number(double value) {
	char buffer[32];
	std::snprintf(buffer, sizeof buffer, "%g", value);
	return buffer;
}

std::string loss_text(const LossSpec &loss) {
	if (loss.name.empty()) {
		return "none";
	}
	return loss.name + (loss.from_logits ? " (from_logits)" : "");
}

std::string metric_list(const std::vector<MetricSpec> &metrics) {
	std::string out;
	for (size_t i = 0; i < metrics.size(); i++) {
		out += (i ? ", " : "") + metrics[i].name;
		if (metrics[i].display_name != metrics[i].name && !metrics[i].display_name.empty()) {
			out += " as " + metrics[i].display_name;
		}
	}
	return out;
}

} // namespace

std::string describe_compile(const CompileSpec &compile, const std::vector<OutputSpec> &outputs) {
	if (!compile.present) {
		return "Compile: none in the definition\n";
	}
	const OptimizerSpec &optimizer = compile.optimizer;
	std::string out = "Compile: optimizer " + optimizer.name + " (learning_rate " + number(optimizer.learning_rate);
	if (optimizer.schedule) {
		out += ", schedule " + optimizer.schedule->name;
	}
	out += ")";
	bool per_output = compile.losses.size() > 1;
	if (!per_output) {
		out += ", loss " + loss_text(compile.loss);
		if (!compile.metrics.empty()) {
			out += ", metrics";
			for (size_t i = 0; i < compile.metrics.size(); i++) {
				out += (i ? ", " : " ") + compile.metrics[i];
			}
		}
		return out + "\n";
	}
	out += "\n";
	for (size_t i = 0; i < compile.losses.size(); i++) {
		std::string name = i < outputs.size() ? outputs[i].name : "output " + std::to_string(i);
		out += "  output " + name + ": loss " + loss_text(compile.losses[i]);
		if (i < compile.loss_weights.size() && compile.loss_weights[i] != 1.0) {
			out += " (weight " + number(compile.loss_weights[i]) + ")";
		}
		if (i < compile.output_metrics.size() && !compile.output_metrics[i].empty()) {
			out += ", metrics " + metric_list(compile.output_metrics[i]);
		}
		out += "\n";
	}
	return out;
}

std::string format_model_check(const ModelSpec &spec) {
	ModelSummary summary = summarize(spec);
	std::string out = format_summary(summary);
	if (!spec.is_chain() || spec.inputs.size() > 1 || spec.outputs.size() > 1) {
		for (size_t i = 0; i < spec.inputs.size(); i++) {
			out +=
			    "Input " + spec.inputs[i].name + ": " +
			    (spec.inputs[i].shape ? format_shape(*spec.inputs[i].shape) : std::string("from the training stream")) +
			    " " + spec.inputs[i].dtype + "\n";
		}
		for (size_t i = 0; i < spec.outputs.size(); i++) {
			out += "Output " + spec.outputs[i].name +
			       (summary.bound ? ": " + format_shape(summary.output_shapes.at(i)) : std::string()) + "\n";
		}
	}
	for (const auto &input : spec.inputs) {
		if (input.shape && std::find(input.shape->begin(), input.shape->end(), -1) != input.shape->end()) {
			out += "Input " + input.name + " " + format_shape(*input.shape) +
			       ": its None dimensions come from the training stream's records (their data_reshape, or "
			       "their width for one None)\n";
		}
	}
	out += describe_compile(spec.compile, spec.outputs);
	if (!spec.ignored.empty()) {
		out += "Ignored (no effect on the model):\n";
		for (const auto &ignored : spec.ignored) {
			out += "  line " + std::to_string(ignored.location.line) + ": " + ignored.text + "\n";
		}
	}
	return out;
}

} // namespace kafkaml::ml
