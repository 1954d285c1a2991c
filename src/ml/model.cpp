#include "ml/model.h"
#include "ml/learning_rate.h"
#include "ml/metrics.h"
#include "ml/model_impl.h"
#include "ml/output_losses.h"
#include "ml/spec/layer_kinds.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

namespace kafkaml::ml {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

//! Checks x (and y against `losses`) against the model; returns labels per row.
int64_t check_data(const Model::Impl &m, const Array &x, const Array *y, const OutputLosses *losses = nullptr) {
	if (!x.shape.empty() && static_cast<int64_t>(x.data.size()) != x.rows() * x.row_size()) {
		throw std::invalid_argument(std::to_string(x.data.size()) + " feature values do not make " +
		                            std::to_string(x.rows()) + " samples of shape " +
		                            shape_to_string(Shape(x.shape.begin() + 1, x.shape.end())));
	}
	if (x.shape.empty() || x.row_size() != m.plan.input_size()) {
		throw std::invalid_argument("features have shape " +
		                            shape_to_string(Shape(x.shape.begin() + (x.shape.empty() ? 0 : 1), x.shape.end())) +
		                            " per sample but the model expects " + shape_to_string(m.plan.input_shape));
	}
	if (!y) {
		return 0;
	}
	int64_t expected = losses->label_width();
	if (y->rows() != x.rows() || y->row_size() != expected ||
	    static_cast<int64_t>(y->data.size()) != y->rows() * expected) {
		throw std::invalid_argument(fmt::format("labels must be {} and {} rows like the features, got {} rows of {}",
		                                        losses->describe_labels(), x.rows(), y->rows(), y->row_size()));
	}
	return expected;
}

//! Keras applies a single target to every output of a model with several
//! (an early-exit model: each exit predicts the same label). When the
//! outputs all have one shape (exits of one prediction, not a price beside
//! a category) and `y` holds one output's labels, returns `widened`, each
//! row repeated once per output; else `y` itself.
const Array &labels_for(const Model::Impl &m, const OutputLosses &losses, const Array &y, Array &widened) {
	const size_t outputs = losses.output_count();
	if (outputs < 2 || y.shape.empty() || y.row_size() == losses.label_width()) {
		return y;
	}
	for (const auto &shape : m.plan.outputs) {
		if (shape != m.plan.outputs.front()) {
			return y;
		}
	}
	const int64_t each = losses.label_columns(0).second;
	if (y.row_size() != each || each * static_cast<int64_t>(outputs) != losses.label_width()) {
		return y;
	}
	for (size_t k = 1; k < outputs; k++) {
		if (losses.label_columns(k).second != each) {
			return y;
		}
	}
	const int64_t rows = y.rows(), width = losses.label_width();
	widened.shape = {rows, width};
	widened.data.assign(static_cast<size_t>(rows * width), 0.0f);
	for (int64_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < outputs; k++) {
			std::copy_n(y.data.data() + r * each, each,
			            widened.data.data() + r * width + losses.label_columns(k).first);
		}
	}
	return widened;
}

} // namespace

int64_t Array::row_size() const {
	int64_t n = 1;
	for (size_t i = 1; i < shape.size(); i++) {
		n *= shape[i];
	}
	return n;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model &&) noexcept = default;
Model &Model::operator=(Model &&) noexcept = default;
Model::~Model() = default;

Model Model::build(const ModelSpec &spec, uint64_t seed, ExecutionPath path) {
	auto m = std::make_unique<Impl>();
	m->spec = spec;
	if (m->spec.compile.loss.name.empty()) {
		m->spec.compile.loss.name = "mse"; // predict-only models; fit() asks for compile()
	}
	m->plan = plan_model(m->spec);
	(void)OutputLosses(m->spec, m->plan.outputs); // rejects unknown losses and metrics at build time
	m->params.resize(static_cast<size_t>(m->plan.trainable_count));
	m->states.resize(static_cast<size_t>(m->plan.state_count));
	m->grads.resize(m->params.size());
	m->rng = Rng(seed);
	initialize_parameters(m->plan, m->rng, m->params.data(), m->states.data());
	bool fused = fused_supported(m->plan);
	if (path == ExecutionPath::Fused && !fused) {
		throw std::invalid_argument("the fused path only runs Dense/Dropout/Activation/Flatten stacks");
	}
	m->path = (path == ExecutionPath::General || !fused) ? ExecutionPath::General : ExecutionPath::Fused;
	m->executor = m->path == ExecutionPath::Fused ? make_fused_executor(m->plan, m->params.data())
	                                              : make_torch_executor(m->plan, m->params.data(), m->states.data());
	return Model(std::move(m));
}

int64_t Model::check_torchscript(std::string_view module_bytes) {
	return ml::check_torchscript(module_bytes);
}

Model Model::from_torchscript(std::string_view module_bytes, const CompileSpec &compile, Shape input_shape,
                              uint64_t seed) {
	return Model(torchscript_impl(module_bytes, compile, std::move(input_shape), seed));
}

FitResult Model::fit(const Array &x, const Array &given_y, const FitOptions &options, const Array *validation_x,
                     const Array *given_validation_y, const EpochCallback &callback) {
	Impl &m = *impl_;
	if (!m.spec.compile.present && !m.torchscript) {
		throw std::invalid_argument("the model has no compile(...): add an optimizer and a loss to train it");
	}
	OutputLosses losses(m.spec, m.plan.outputs);
	Array widened_y, widened_validation_y;
	const Array &y = labels_for(m, losses, given_y, widened_y);
	const Array *validation_y =
	    given_validation_y ? &labels_for(m, losses, *given_validation_y, widened_validation_y) : nullptr;
	const int64_t label_width = check_data(m, x, &y, &losses);
	if ((validation_x == nullptr) != (validation_y == nullptr)) {
		throw std::invalid_argument("validation data needs both features and labels");
	}
	if (validation_x) {
		check_data(m, *validation_x, validation_y, &losses);
	}
	const int64_t n = x.rows();
	if (n == 0) {
		throw std::invalid_argument("no training samples");
	}
	const int64_t batch = options.batch_size.value_or(32);
	if (batch <= 0 || options.epochs < 0 || (options.steps_per_epoch && *options.steps_per_epoch <= 0)) {
		throw std::invalid_argument("batch_size and steps_per_epoch must be > 0 and epochs >= 0");
	}
	if (options.seed) {
		m.rng = Rng(*options.seed);
	}
	if (!m.optimizer) {
		m.optimizer = make_optimizer(m.spec.compile.optimizer, m.plan.params);
	}
	Optimizer &optimizer = *m.optimizer;
	optimizer.set_learning_rate_factor(m.learning_rate_factor);
	const int64_t in_width = m.plan.input_size(), out_width = m.plan.output_size();
	const int64_t steps = options.steps_per_epoch.value_or((n + batch - 1) / batch);

	std::vector<int64_t> order(static_cast<size_t>(n));
	std::iota(order.begin(), order.end(), 0);
	std::vector<float> bx(static_cast<size_t>(batch * in_width)), by(static_cast<size_t>(batch * label_width));
	std::vector<float> out(static_cast<size_t>(batch * out_width)), dout(out.size());
	int64_t cursor = n; // forces a (shuffled) pass start
	FitResult result;
	auto start = std::chrono::steady_clock::now();
	for (int64_t epoch = 1; epoch <= options.epochs; epoch++) {
		auto epoch_start = std::chrono::steady_clock::now();
		losses.reset_metrics();
		if (!options.steps_per_epoch) {
			cursor = n; // Keras: each epoch is one pass over the data
		}
		for (int64_t step = 0; step < steps; step++) {
			if (cursor >= n) {
				cursor = 0;
				if (options.shuffle) {
					for (int64_t i = n - 1; i > 0; i--) {
						std::swap(order[static_cast<size_t>(i)],
						          order[static_cast<size_t>(m.rng.below(static_cast<uint64_t>(i + 1)))]);
					}
				}
			}
			const int64_t b = std::min(batch, n - cursor);
			for (int64_t r = 0; r < b; r++) {
				int64_t row = order[static_cast<size_t>(cursor + r)];
				std::copy_n(x.data.data() + row * in_width, in_width, bx.data() + r * in_width);
				std::copy_n(y.data.data() + row * label_width, label_width, by.data() + r * label_width);
			}
			cursor += b;
			m.executor->forward_train(bx.data(), b, m.rng, out.data());
			double batch_loss = losses.forward_backward(out.data(), by.data(), b, dout.data()) +
			                    m.executor->regularization(); // Keras reports the penalties in the loss
			m.executor->backward(dout.data(), m.grads.data());
			optimizer.step(m.params.data(), m.grads.data(), m.plan.trainable_count);
			losses.update_metrics(out.data(), by.data(), b, batch_loss);
			result.steps++;
		}
		EpochLog log;
		log.epoch = epoch;
		log.train = losses.results();
		if (validation_x) {
			log.validation = evaluate(*validation_x, *validation_y, batch);
		}
		log.seconds = seconds_since(epoch_start);
		if (options.verbose > 0) {
			std::fprintf(stderr, "Epoch %lld/%lld - %.3fs - %s%s%s\n", static_cast<long long>(epoch),
			             static_cast<long long>(options.epochs), log.seconds, format_metrics(log.train).c_str(),
			             log.validation.empty() ? "" : " - ", format_metrics(log.validation, "val_").c_str());
		}
		result.history.push_back(std::move(log));
		if (callback && !callback(result.history.back())) {
			result.stopped_early = true;
			break;
		}
	}
	result.seconds = seconds_since(start);
	return result;
}

namespace {

//! evaluate()'s pass: the metrics into `losses`; with `predictions` (x's
//! rows x the output size) the outputs too.
void evaluate_into(Model::Impl &m, const Array &x, const Array &given_y, std::optional<int64_t> batch_size,
                   OutputLosses &losses, float *predictions) {
	Array widened;
	const Array &y = labels_for(m, losses, given_y, widened);
	const int64_t label_width = check_data(m, x, &y, &losses);
	const int64_t batch = std::max<int64_t>(1, batch_size.value_or(32));
	const int64_t in_width = m.plan.input_size(), out_width = m.plan.output_size();
	std::vector<float> buffer(predictions ? 0 : static_cast<size_t>(batch * out_width));
	for (int64_t r = 0; r < x.rows(); r += batch) {
		int64_t b = std::min(batch, x.rows() - r);
		float *out = predictions ? predictions + r * out_width : buffer.data();
		m.executor->predict(x.data.data() + r * in_width, b, out);
		const float *t = y.data.data() + r * label_width;
		double penalty = m.executor->regularization(); // of this batch, as Keras' evaluate adds it
		losses.update_metrics(out, t, b, losses.forward_backward(out, t, b, nullptr) + penalty);
	}
}

} // namespace

MetricValues Model::evaluate(const Array &x, const Array &y, std::optional<int64_t> batch_size) {
	OutputLosses losses(impl_->spec, impl_->plan.outputs);
	evaluate_into(*impl_, x, y, batch_size, losses, nullptr);
	return losses.results();
}

std::vector<ExitReport> Model::exit_report(const Array &x, const Array &given_y, const std::vector<double> &thresholds,
                                           std::optional<int64_t> batch_size) {
	Impl &m = *impl_;
	OutputLosses losses(m.spec, m.plan.outputs);
	Array widened;
	const Array &y = labels_for(m, losses, given_y, widened);
	std::vector<float> predictions(static_cast<size_t>(x.rows() * m.plan.output_size()));
	evaluate_into(m, x, y, batch_size, losses, predictions.data());
	const int64_t rows = x.rows(), out_width = m.plan.output_size(), label_width = losses.label_width();
	std::vector<ExitReport> reports(m.plan.outputs.size());
	constexpr std::array kRules{ConfidenceRule::TopProbability, ConfidenceRule::Margin, ConfidenceRule::Entropy};
	// decisions[rule][exit]
	std::vector<std::vector<ExitDecisions>> decisions(kRules.size(), std::vector<ExitDecisions>(reports.size()));
	for (size_t k = 0; k < reports.size(); k++) {
		ExitReport &report = reports[k];
		report.index = k;
		report.name = k < m.spec.outputs.size() ? m.spec.outputs[k].name : m.spec.name;
		report.metrics = losses.output_results(k);
		// A classifier: one vector of class probabilities per sample, labelled
		// by a class index or one-hot.
		const Shape &shape = m.plan.outputs[k];
		const auto [offset, width] = losses.output_columns(k);
		const auto [label_offset, labels_per_row] = losses.label_columns(k);
		const auto &c = m.spec.compile;
		const std::string &loss = (c.losses.size() == reports.size() ? c.losses[k] : c.loss).name;
		if (shape.size() != 1 || (labels_per_row != 1 && labels_per_row != width) ||
		    (loss.find("crossentropy") == std::string::npos && loss.find("hinge") == std::string::npos)) {
			continue; // no classifier: no class probabilities to trust
		}
		std::vector<float> probabilities(static_cast<size_t>(rows * width));
		std::vector<int64_t> labels(static_cast<size_t>(rows));
		for (int64_t r = 0; r < rows; r++) {
			std::copy_n(predictions.data() + r * out_width + offset, width, probabilities.data() + r * width);
			const float *label = y.data.data() + r * label_width + label_offset;
			if (labels_per_row == 1) {
				labels[static_cast<size_t>(r)] =
				    width == 1 ? (label[0] >= 0.5f ? 1 : 0) : static_cast<int64_t>(std::lround(label[0]));
			} else {
				labels[static_cast<size_t>(r)] = std::max_element(label, label + width) - label;
			}
		}
		for (size_t rule = 0; rule < kRules.size(); rule++) {
			decisions[rule][k] = exit_decisions(probabilities.data(), rows, width, labels, kRules[rule]);
		}
	}
	for (size_t rule = 0; rule < kRules.size(); rule++) {
		auto table = exit_thresholds(decisions[rule], thresholds);
		for (size_t k = 0; k < reports.size(); k++) {
			if (!decisions[rule][k].confidence.empty()) {
				reports[k].thresholds_by_rule[kRules[rule]] = std::move(table[k]);
			}
		}
	}
	for (auto &report : reports) {
		if (auto top = report.thresholds_by_rule.find(ConfidenceRule::TopProbability);
		    top != report.thresholds_by_rule.end()) {
			report.thresholds = top->second;
		}
	}
	return reports;
}

Array Model::predict(const Array &x, std::optional<int64_t> batch_size) {
	Impl &m = *impl_;
	check_data(m, x, nullptr);
	const int64_t batch = std::max<int64_t>(1, batch_size.value_or(32));
	const int64_t in_width = m.plan.input_size(), out_width = m.plan.output_size();
	Array result;
	result.shape = {x.rows()};
	result.shape.insert(result.shape.end(), m.plan.output_shape.begin(), m.plan.output_shape.end());
	result.data.resize(static_cast<size_t>(x.rows() * out_width));
	for (int64_t r = 0; r < x.rows(); r += batch) {
		int64_t b = std::min(batch, x.rows() - r);
		m.executor->predict(x.data.data() + r * in_width, b, result.data.data() + r * out_width);
	}
	return result;
}

std::string Model::summary() const {
	const Impl &m = *impl_;
	std::string s =
	    fmt::format("Model: \"{}\"\n{:<30}{:<26}{:>10}\n", m.spec.name, "Layer (type)", "Output Shape", "Param #");
	for (const auto &l : m.plan.layers) {
		s += fmt::format("{:<30}{:<26}{:>10}\n", l.spec.name + " (" + std::string(layer_class_name(l.spec.kind)) + ")",
		                 shape_to_string(l.output_shape), l.param_count);
	}
	s += fmt::format("Total params: {}\nTrainable params: {}\nNon-trainable params: {}\n", param_count(),
	                 m.plan.trainable_count, m.plan.state_count);
	return s;
}

void Model::reset_optimizer() {
	impl_->optimizer.reset();
}

void Model::set_learning_rate_factor(double factor) {
	if (!(factor > 0) || !std::isfinite(factor)) {
		throw std::invalid_argument("a learning-rate factor must be a finite number > 0");
	}
	impl_->learning_rate_factor = factor;
	if (impl_->optimizer) {
		impl_->optimizer->set_learning_rate_factor(factor);
	}
}

double Model::learning_rate_factor() const {
	return impl_->learning_rate_factor;
}

double Model::learning_rate() const {
	if (impl_->optimizer) {
		return impl_->optimizer->learning_rate();
	}
	return learning_rate_at(impl_->spec.compile.optimizer, 0) * impl_->learning_rate_factor;
}

int64_t Model::optimizer_iterations() const {
	return impl_->optimizer ? impl_->optimizer->iterations() : 0;
}

int64_t Model::param_count() const {
	return impl_->plan.trainable_count + impl_->plan.state_count;
}

ExecutionPath Model::path() const {
	return impl_->path;
}

const ModelSpec &Model::spec() const {
	return impl_->spec;
}

Shape Model::input_shape() const {
	return impl_->plan.input_shape;
}

Shape Model::output_shape() const {
	return impl_->plan.output_shape;
}

std::vector<Shape> Model::input_shapes() const {
	return impl_->plan.inputs;
}

std::vector<Shape> Model::output_shapes() const {
	return impl_->plan.outputs;
}

std::vector<float> Model::parameters() const {
	return impl_->params;
}

double Model::loss_and_gradients(const Array &x, const Array &given_y, std::vector<float> &gradients) {
	Impl &m = *impl_;
	OutputLosses losses(m.spec, m.plan.outputs);
	Array widened;
	const Array &y = labels_for(m, losses, given_y, widened);
	check_data(m, x, &y, &losses);
	std::vector<float> out(static_cast<size_t>(x.rows() * m.plan.output_size())), dout(out.size());
	m.executor->forward_train(x.data.data(), x.rows(), m.rng, out.data());
	double value =
	    losses.forward_backward(out.data(), y.data.data(), x.rows(), dout.data()) + m.executor->regularization();
	m.executor->backward(dout.data(), m.grads.data());
	gradients = m.grads;
	return value;
}

void set_engine_threads(int threads) {
	set_torch_threads(threads);
}

std::string format_metrics(const MetricValues &values, std::string_view prefix) {
	std::string s;
	for (const auto &[name, value] : values) {
		s += fmt::format("{}{}{}={:.4f}", s.empty() ? "" : " ", prefix, name, value);
	}
	return s;
}

} // namespace kafkaml::ml
