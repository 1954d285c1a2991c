#pragma once

// The engine's public face: a model built from a ModelSpec (or an uploaded
// TorchScript module), trained, evaluated and used for prediction on
// in-memory float arrays, and saved to one byte blob. No libtorch types
// appear here (pimpl): the jobs, the REST server and the CLI include this.
//
// Execution: dense stacks (Dense/Dropout/Activation/Flatten) run on the fused
// executor (hand-written forward/backward, ~50x less overhead per step);
// everything else on libtorch autograd. Both share the optimizer, losses,
// metrics and dropout masks, and give the same numbers on the same seed.
//
// Thread-safety: a Model is used by one thread at a time (fit, evaluate,
// predict mutate internal buffers). Distinct models may train in parallel.

#include "ml/exit_table.h"
#include "ml/spec/model_spec.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kafkaml::ml {

//! A dense row-major float array; shape[0] is the number of samples.
//! A model with several inputs takes one row per sample holding the inputs'
//! values concatenated in ModelSpec::inputs order, each flattened row-major;
//! with several outputs its predictions and labels are laid out likewise in
//! ModelSpec::outputs order (labels: for a sparse loss one class index per
//! row of the output's last axis, else as many as the output has).
struct Array {
	Shape shape;
	std::vector<float> data;
	int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
	int64_t row_size() const;
};

using MetricValues = std::vector<std::pair<std::string, double>>;

struct EpochLog {
	int64_t epoch = 0; //!< 1-based
	MetricValues train;
	MetricValues validation; //!< names without the "val_" prefix; empty without validation data
	double seconds = 0.0;
};

//! Called on the training thread after each epoch; return false to stop.
using EpochCallback = std::function<bool(const EpochLog &)>;

struct FitResult {
	std::vector<EpochLog> history;
	bool stopped_early = false;
	int64_t steps = 0;
	double seconds = 0.0;
};

enum class ExecutionPath { Auto, Fused, General };

//! One exit of a model with several outputs, on labelled data
//! (Model::exit_report).
struct ExitReport {
	size_t index = 0; //!< the output's, in ModelSpec::outputs order
	std::string name; //!< the output's
	//! evaluate()'s values of this output under their own names ("loss",
	//! "accuracy", ...; the loss unweighted, without the regularizers').
	MetricValues metrics;
	//! The exit table (exit_table.h): for each threshold the inputs this
	//! exit answers in a chain whose every stage measures its confidence by
	//! the top-class probability, and its accuracy on them. Empty when the
	//! output is no classifier the labels name.
	std::vector<ExitThreshold> thresholds;
	//! The exit table by each confidence rule (every stage of the chain
	//! using that rule), the top-class probability's being `thresholds`;
	//! empty when `thresholds` is.
	std::map<ConfidenceRule, std::vector<ExitThreshold>> thresholds_by_rule;
};

class Model {
public:
	//! Builds and initialises (Keras' initialisers) from `seed`. Throws
	//! std::invalid_argument with a user-facing message.
	static Model build(const ModelSpec &spec, uint64_t seed = 0, ExecutionPath path = ExecutionPath::Auto);
	//! An uploaded TorchScript module (bytes of torch.jit.save) trained with
	//! `compile`'s loss/optimizer on inputs of `input_shape` (batch excluded).
	static Model from_torchscript(std::string_view module_bytes, const CompileSpec &compile, Shape input_shape,
	                              uint64_t seed = 0);
	//! Checks that `module_bytes` are a TorchScript module this engine trains
	//! (torch.jit.save of a module with a forward and float32 parameters);
	//! returns its parameter count. Throws std::invalid_argument saying what
	//! is wrong.
	static int64_t check_torchscript(std::string_view module_bytes);
	//! Fills the layers of the model's keras.applications base built with
	//! weights='imagenet' or '<file>.h5' (`spec().pretrained`) from a Keras
	//! weights file (keras_weights.h): layer by layer by name when every
	//! such layer is in the file (a file's extra layers, such as the top of
	//! an include_top=True file, are left out), else in order, as Keras'
	//! load_weights(); each weight by its name within the layer, else in
	//! order; shapes must be equal. Returns what was loaded, for the log.
	//! Throws std::invalid_argument naming the layer, the weight and both
	//! shapes that do not fit, or saying the model takes no weights file.
	std::string load_pretrained_weights(std::string_view hdf5_bytes);
	//! Loads what save() wrote. Throws std::invalid_argument when the bytes are
	//! not a model file.
	static Model load(std::string_view blob);

	Model(Model &&) noexcept;
	Model &operator=(Model &&) noexcept;
	~Model();

	//! Keras' fit(): `y` is [N] (class indices or one target) or [N, k].
	//! With several outputs, `y` holds each output's labels in order, or, as
	//! Keras allows, one output's labels when all take as many, applied to
	//! every output (an early-exit model's exits all predict the label);
	//! each output's loss is weighted by compile's loss_weights and the
	//! metrics are Keras': "loss", "<output>_loss", "<output>_<metric>".
	//! With steps_per_epoch the data iterator continues across epochs and
	//! restarts (reshuffled) when exhausted. `verbose` > 0 prints one line
	//! per epoch to stderr. A later fit continues the optimizer of the one
	//! before (moments, step count), as Keras' fit does.
	FitResult fit(const Array &x, const Array &y, const FitOptions &options, const Array *validation_x = nullptr,
	              const Array *validation_y = nullptr, const EpochCallback &callback = {});
	MetricValues evaluate(const Array &x, const Array &y, std::optional<int64_t> batch_size = std::nullopt);

	//! A new learning phase: the next fit() starts a fresh optimizer (no
	//! moments, step count 0, a learning-rate schedule from its start), as
	//! a model compiled again would in Keras. The weights stay.
	void reset_optimizer();
	//! Multiplies the learning rate of every later step (1: compile's own,
	//! schedule included). Throws std::invalid_argument unless > 0 and finite.
	void set_learning_rate_factor(double factor);
	//! The factor set_learning_rate_factor() set (1 until then).
	double learning_rate_factor() const;
	//! The learning rate the next training step uses, factor included.
	double learning_rate() const;
	//! Optimizer steps made since the optimizer was made (0 before the
	//! first fit and after reset_optimizer()).
	int64_t optimizer_iterations() const;
	Array predict(const Array &x, std::optional<int64_t> batch_size = std::nullopt);

	//! Early exits: a model with several outputs runs as a chain of stages,
	//! one per output (an exit) in ModelSpec::outputs order; stage k computes
	//! exit k's output from what earlier stages computed (the split is in
	//! README.md, "Early exits"). 1 for a single-output model (a chain, a
	//! TorchScript module): its one stage is predict().
	size_t stage_count() const;
	struct StageOutput {
		//! Exit k's output rows, as predict() lays out that one output:
		//! shape {rows, output_shapes()[k]...}.
		Array exit;
		//! What later stages need from stages <= k: one flat float row per
		//! sample, shape {rows, stage_input_width(k + 1)}. Default (no shape,
		//! no data) for the last stage.
		Array carry;
	};
	//! Stage 0 takes the model's input rows (as predict() does); stage k > 0
	//! takes stage k-1's carry. Running every stage in order gives
	//! predict()'s outputs. Throws std::invalid_argument for a stage out of
	//! range or input rows of another width. Inference mode, like predict().
	StageOutput run_stage(size_t stage, const Array &input, std::optional<int64_t> batch_size = std::nullopt);
	//! Each exit's metrics and exit table on `x` with labels `y` (laid out
	//! as for evaluate()): one per output, in order.
	std::vector<ExitReport> exit_report(const Array &x, const Array &y,
	                                    const std::vector<double> &thresholds = default_exit_thresholds(),
	                                    std::optional<int64_t> batch_size = std::nullopt);
	//! Floats per sample of the input stage k takes (stage 0: the model's
	//! input size; k > 0: stage k-1's carry width).
	int64_t stage_input_width(size_t stage) const;

	//! The model file: spec + weights, no optimizer state (format in README.md).
	std::string save() const;
	//! What fit() carries from one call to the next besides the weights:
	//! the optimizer's state (step count, moments, velocities, accumulators;
	//! none before the first fit and after reset_optimizer()), the
	//! learning-rate factor and the random generator that shuffles and
	//! draws dropout masks. A model loaded from save()'s file that loads
	//! these bytes trains on as this one would, bit for bit (a continual
	//! training resumed after a crash). Format in README.md.
	std::string save_training_state() const;
	//! Loads what save_training_state() wrote, of a model of the same spec.
	//! Throws std::invalid_argument saying what does not fit (not such
	//! bytes, another optimizer or other options of it, other sizes); the
	//! model is then unchanged.
	void load_training_state(std::string_view bytes);
	//! A file Python reads with torch.load(): {"format", "spec", "weights":
	//! {name: tensor}} (TorchScript models: the module itself, for torch.jit.load).
	std::string export_pytorch() const;

	//! Keras-style summary: layer, output shape, parameter count, totals.
	std::string summary() const;
	int64_t param_count() const;
	ExecutionPath path() const;
	const ModelSpec &spec() const;
	//! One sample's features and predictions; with several inputs (outputs)
	//! their values concatenated, {total}.
	Shape input_shape() const;
	Shape output_shape() const;
	//! Each input's (output's) shape, in ModelSpec order.
	std::vector<Shape> input_shapes() const;
	std::vector<Shape> output_shapes() const;

	//! For tests and benchmarks: flat trainable parameters and one training
	//! step's loss and gradients (no update) on a batch.
	std::vector<float> parameters() const;
	double loss_and_gradients(const Array &x, const Array &y, std::vector<float> &gradients);

	struct Impl;

private:
	explicit Model(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

//! libtorch intra-op threads for the general executor (default 1).
void set_engine_threads(int threads);

//! "loss=0.1234 accuracy=0.9000" (validation: with "val_" prefixes).
std::string format_metrics(const MetricValues &values, std::string_view prefix = "");

} // namespace kafkaml::ml
