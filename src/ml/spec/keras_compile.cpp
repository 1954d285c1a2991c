// compile(): optimizers (with learning-rate schedules), losses and metrics
// by name and by class with Keras' signatures and defaults, and their
// per-output forms (lists and dicts keyed by output name) for models with
// several outputs.

#include "ml/spec/call_arguments.h"
#include "ml/spec/keras_names.h"
#include "ml/spec/keras_objects.h"

#include <algorithm>
#include <map>

namespace kafkaml::ml::spec {

namespace {

// ---- optimizers ----

struct OptimizerInfo {
	std::string name;  //!< canonical, lowercase
	std::string klass; //!< Keras class name
	double learning_rate;
	std::vector<std::string> positional;
};

const std::vector<OptimizerInfo> &optimizer_table() {
	static const std::vector<OptimizerInfo> kTable = {
	    {"adam", "Adam", 0.001, {"learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"}},
	    {"sgd", "SGD", 0.01, {"learning_rate", "momentum", "nesterov"}},
	    {"rmsprop", "RMSprop", 0.001, {"learning_rate", "rho", "momentum", "epsilon", "centered"}},
	    {"adagrad", "Adagrad", 0.001, {"learning_rate", "initial_accumulator_value", "epsilon"}},
	    {"adamw", "AdamW", 0.001, {"learning_rate", "weight_decay", "beta_1", "beta_2", "epsilon", "amsgrad"}},
	    {"adadelta", "Adadelta", 0.001, {"learning_rate", "rho", "epsilon"}},
	    {"adamax", "Adamax", 0.001, {"learning_rate", "beta_1", "beta_2", "epsilon"}},
	    {"nadam", "Nadam", 0.001, {"learning_rate", "beta_1", "beta_2", "epsilon"}},
	    {"ftrl",
	     "Ftrl",
	     0.001,
	     {"learning_rate", "learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
	      "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta"}},
	};
	return kTable;
}

const OptimizerInfo *find_optimizer(const std::string &name) {
	std::string lower = lowercase(name);
	for (const auto &info : optimizer_table()) {
		if (info.name == lower) {
			return &info;
		}
	}
	return nullptr;
}

std::string optimizer_names() {
	std::vector<std::string> names;
	for (const auto &info : optimizer_table()) {
		names.push_back(info.name);
	}
	return join(names);
}

double positive(CallArguments &args, const std::string &name, double fallback) {
	double value = args.number(name, fallback);
	if (value <= 0 && args.get(name)) {
		fail(args.get(name)->location, args.what(name) + " must be positive");
	}
	return value;
}

std::optional<double> optional_positive(CallArguments &args, const std::string &name) {
	const Value *value = args.get(name);
	if (!value || value->kind == ValueKind::None) {
		return std::nullopt;
	}
	return positive(args, name, 0.0);
}

// ---- losses ----

struct LossInfo {
	std::string name;                    //!< canonical
	std::string klass;                   //!< Keras class name
	std::vector<std::string> functions;  //!< names of the function form (strings too)
	std::vector<std::string> positional; //!< the class' positional order
};

const std::vector<LossInfo> &loss_table() {
	static const std::vector<LossInfo> kTable = {
	    {"mse", "MeanSquaredError", {"mse", "MSE", "mean_squared_error"}, {}},
	    {"mae", "MeanAbsoluteError", {"mae", "MAE", "mean_absolute_error"}, {}},
	    {"mape", "MeanAbsolutePercentageError", {"mape", "MAPE", "mean_absolute_percentage_error"}, {}},
	    {"msle", "MeanSquaredLogarithmicError", {"msle", "MSLE", "mean_squared_logarithmic_error"}, {}},
	    {"huber", "Huber", {"huber", "huber_loss"}, {"delta"}},
	    {"log_cosh", "LogCosh", {"log_cosh", "logcosh"}, {}},
	    {"binary_crossentropy",
	     "BinaryCrossentropy",
	     {"binary_crossentropy"},
	     {"from_logits", "label_smoothing", "axis"}},
	    {"binary_focal_crossentropy",
	     "BinaryFocalCrossentropy",
	     {"binary_focal_crossentropy"},
	     {"apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing", "axis"}},
	    {"categorical_crossentropy",
	     "CategoricalCrossentropy",
	     {"categorical_crossentropy"},
	     {"from_logits", "label_smoothing", "axis"}},
	    {"categorical_focal_crossentropy",
	     "CategoricalFocalCrossentropy",
	     {"categorical_focal_crossentropy"},
	     {"alpha", "gamma", "from_logits", "label_smoothing", "axis"}},
	    {"sparse_categorical_crossentropy",
	     "SparseCategoricalCrossentropy",
	     {"sparse_categorical_crossentropy"},
	     {"from_logits", "ignore_class"}},
	    {"hinge", "Hinge", {"hinge"}, {}},
	    {"squared_hinge", "SquaredHinge", {"squared_hinge"}, {}},
	    {"categorical_hinge", "CategoricalHinge", {"categorical_hinge"}, {}},
	    {"kl_divergence", "KLDivergence", {"kld", "KLD", "kl_divergence", "kullback_leibler_divergence"}, {}},
	    {"poisson", "Poisson", {"poisson"}, {}},
	    {"cosine_similarity", "CosineSimilarity", {"cosine_similarity"}, {"axis"}},
	};
	return kTable;
}

const std::string &loss_expectation() {
	static const std::string kText = [] {
		std::vector<std::string> names;
		for (const auto &info : loss_table()) {
			names.push_back(info.functions.back() == info.name ? info.name
			                                                   : info.name + " (" + info.functions.back() + ")");
		}
		return "expected one of " + join(names) + ", or their tf.keras.losses classes";
	}();
	return kText;
}

// ---- metrics ----

struct MetricInfo {
	std::string name;                    //!< canonical
	std::string klass;                   //!< Keras class name ("" when only a string form exists)
	std::string display;                 //!< Keras' default name= of the class
	std::vector<std::string> strings;    //!< string/function names
	std::vector<std::string> positional; //!< the class' positional order
};

const std::vector<MetricInfo> &metric_table() {
	static const std::vector<MetricInfo> kTable = {
	    {"accuracy", "Accuracy", "accuracy", {"accuracy", "acc"}, {"name", "dtype"}},
	    {"binary_accuracy", "BinaryAccuracy", "binary_accuracy", {"binary_accuracy"}, {"name", "dtype", "threshold"}},
	    {"categorical_accuracy",
	     "CategoricalAccuracy",
	     "categorical_accuracy",
	     {"categorical_accuracy"},
	     {"name", "dtype"}},
	    {"sparse_categorical_accuracy",
	     "SparseCategoricalAccuracy",
	     "sparse_categorical_accuracy",
	     {"sparse_categorical_accuracy"},
	     {"name", "dtype"}},
	    {"top_k_categorical_accuracy",
	     "TopKCategoricalAccuracy",
	     "top_k_categorical_accuracy",
	     {"top_k_categorical_accuracy"},
	     {"k", "name", "dtype"}},
	    {"sparse_top_k_categorical_accuracy",
	     "SparseTopKCategoricalAccuracy",
	     "sparse_top_k_categorical_accuracy",
	     {"sparse_top_k_categorical_accuracy"},
	     {"k", "name", "dtype"}},
	    {"mae", "MeanAbsoluteError", "mean_absolute_error", {"mae", "mean_absolute_error", "MAE"}, {"name", "dtype"}},
	    {"mse", "MeanSquaredError", "mean_squared_error", {"mse", "mean_squared_error", "MSE"}, {"name", "dtype"}},
	    {"rmse",
	     "RootMeanSquaredError",
	     "root_mean_squared_error",
	     {"rmse", "root_mean_squared_error"},
	     {"name", "dtype"}},
	    {"mape",
	     "MeanAbsolutePercentageError",
	     "mean_absolute_percentage_error",
	     {"mape", "mean_absolute_percentage_error", "MAPE"},
	     {"name", "dtype"}},
	    {"msle",
	     "MeanSquaredLogarithmicError",
	     "mean_squared_logarithmic_error",
	     {"msle", "mean_squared_logarithmic_error", "MSLE"},
	     {"name", "dtype"}},
	    {"cosine_similarity",
	     "CosineSimilarity",
	     "cosine_similarity",
	     {"cosine_similarity", "cosine_proximity"},
	     {"name", "dtype", "axis"}},
	    {"logcosh", "LogCoshError", "logcosh", {"logcosh", "log_cosh"}, {"name", "dtype"}},
	    {"kld",
	     "KLDivergence",
	     "kullback_leibler_divergence",
	     {"kld", "KLD", "kl_divergence", "kullback_leibler_divergence"},
	     {"name", "dtype"}},
	    {"poisson", "Poisson", "poisson", {"poisson"}, {"name", "dtype"}},
	    {"hinge", "Hinge", "hinge", {"hinge"}, {"name", "dtype"}},
	    {"squared_hinge", "SquaredHinge", "squared_hinge", {"squared_hinge"}, {"name", "dtype"}},
	    {"categorical_hinge", "CategoricalHinge", "categorical_hinge", {"categorical_hinge"}, {"name", "dtype"}},
	    {"binary_crossentropy",
	     "BinaryCrossentropy",
	     "binary_crossentropy",
	     {"binary_crossentropy"},
	     {"name", "dtype", "from_logits", "label_smoothing"}},
	    {"categorical_crossentropy",
	     "CategoricalCrossentropy",
	     "categorical_crossentropy",
	     {"categorical_crossentropy"},
	     {"name", "dtype", "from_logits", "label_smoothing", "axis"}},
	    {"sparse_categorical_crossentropy",
	     "SparseCategoricalCrossentropy",
	     "sparse_categorical_crossentropy",
	     {"sparse_categorical_crossentropy"},
	     {"name", "dtype", "from_logits", "ignore_class", "axis"}},
	    {"precision", "Precision", "precision", {"precision"}, {"thresholds", "top_k", "class_id", "name", "dtype"}},
	    {"recall", "Recall", "recall", {"recall"}, {"thresholds", "top_k", "class_id", "name", "dtype"}},
	    {"auc",
	     "AUC",
	     "auc",
	     {"auc"},
	     {"num_thresholds", "curve", "summation_method", "name", "dtype", "thresholds", "multi_label", "num_labels",
	      "label_weights", "from_logits"}},
	    {"true_positives", "TruePositives", "true_positives", {"true_positives"}, {"thresholds", "name", "dtype"}},
	    {"true_negatives", "TrueNegatives", "true_negatives", {"true_negatives"}, {"thresholds", "name", "dtype"}},
	    {"false_positives", "FalsePositives", "false_positives", {"false_positives"}, {"thresholds", "name", "dtype"}},
	    {"false_negatives", "FalseNegatives", "false_negatives", {"false_negatives"}, {"thresholds", "name", "dtype"}},
	    {"precision_at_recall",
	     "PrecisionAtRecall",
	     "precision_at_recall",
	     {},
	     {"recall", "num_thresholds", "class_id", "name", "dtype"}},
	    {"recall_at_precision",
	     "RecallAtPrecision",
	     "recall_at_precision",
	     {},
	     {"precision", "num_thresholds", "class_id", "name", "dtype"}},
	    {"sensitivity_at_specificity",
	     "SensitivityAtSpecificity",
	     "sensitivity_at_specificity",
	     {},
	     {"specificity", "num_thresholds", "class_id", "name", "dtype"}},
	    {"specificity_at_sensitivity",
	     "SpecificityAtSensitivity",
	     "specificity_at_sensitivity",
	     {},
	     {"sensitivity", "num_thresholds", "class_id", "name", "dtype"}},
	    {"mean_iou",
	     "MeanIoU",
	     "mean_io_u",
	     {},
	     {"num_classes", "name", "dtype", "ignore_class", "sparse_y_true", "sparse_y_pred", "axis"}},
	    {"f1_score", "F1Score", "f1_score", {}, {"average", "threshold", "name", "dtype"}},
	    {"fbeta_score", "FBetaScore", "fbeta_score", {}, {"average", "beta", "threshold", "name", "dtype"}},
	    {"r2_score", "R2Score", "r2_score", {}, {"class_aggregation", "num_regressors", "name", "dtype"}},
	};
	return kTable;
}

const std::string &metric_expectation() {
	static const std::string kText = [] {
		std::vector<std::string> names;
		for (const auto &info : metric_table()) {
			if (!info.strings.empty()) {
				names.push_back(info.strings.front());
			}
		}
		return "expected one of " + join(names) + ", or a tf.keras.metrics class such as Precision(thresholds=0.5)";
	}();
	return kText;
}

void optional_probability(CallArguments &args, const std::string &name, std::vector<double> &out) {
	const Value *value = args.get(name);
	if (!value || value->kind == ValueKind::None) {
		return;
	}
	auto check = [&](const Value &item) {
		double number = number_value(item, args.what(name));
		if (number < 0 || number > 1) {
			fail(item.location, args.what(name) + " must be in [0, 1]");
		}
		out.push_back(number);
	};
	if (value->is_sequence()) {
		for (const auto &item : value->items) {
			check(item);
		}
		return;
	}
	check(*value);
}

void metric_arguments(CallArguments &args, const MetricInfo &info, MetricSpec &metric) {
	metric.display_name = args.string("name", info.display);
	args.only_string("dtype", "float32");
	const std::string &name = info.name;
	if (name == "binary_accuracy") {
		metric.threshold = args.number_in("threshold", 0.5, 0.0, 1.0, true);
	}
	if (name == "top_k_categorical_accuracy" || name == "sparse_top_k_categorical_accuracy") {
		metric.k = args.integer("k", 5);
	}
	if (name == "precision" || name == "recall" || name.starts_with("true_") || name.starts_with("false_") ||
	    name == "auc") {
		optional_probability(args, "thresholds", metric.thresholds);
	}
	if (name == "precision" || name == "recall") {
		metric.top_k = args.optional_integer("top_k");
	}
	if (name == "precision" || name == "recall" || name.find("_at_") != std::string::npos) {
		metric.class_id = args.optional_integer("class_id", 0);
	}
	if (name == "auc" || name.find("_at_") != std::string::npos) {
		metric.num_thresholds = args.integer("num_thresholds", 200, 2);
	}
	if (name == "auc") {
		metric.curve = args.string("curve", "ROC");
		if (metric.curve != "ROC" && metric.curve != "PR") {
			fail(args.get("curve")->location, args.what("curve") + " must be 'ROC' or 'PR'");
		}
		metric.summation_method = args.string("summation_method", "interpolation");
		if (metric.summation_method != "interpolation" && metric.summation_method != "minoring" &&
		    metric.summation_method != "majoring") {
			fail(args.get("summation_method")->location,
			     args.what("summation_method") + " must be 'interpolation', 'minoring' or 'majoring'");
		}
		metric.multi_label = args.boolean("multi_label", false);
		metric.num_labels = args.optional_integer("num_labels");
		args.only_none("label_weights");
		metric.from_logits = args.boolean("from_logits", false);
	}
	if (name.find("_at_") != std::string::npos) {
		std::string target = info.positional.front();
		if (!args.get(target)) {
			fail(args.location(),
			     "argument '" + target + "' of " + info.klass + " is required, e.g. " + info.klass + "(0.5)");
		}
		metric.target = args.number_in(target, 0.0, 0.0, 1.0, true);
	}
	if (name.ends_with("crossentropy")) {
		metric.from_logits = args.boolean("from_logits", false);
		if (name != "sparse_categorical_crossentropy") {
			metric.label_smoothing = args.number_in("label_smoothing", 0.0, 0.0, 1.0, true);
		} else {
			args.only_none("ignore_class");
		}
	}
	if (name == "cosine_similarity" || name == "categorical_crossentropy" ||
	    name == "sparse_categorical_crossentropy" || name == "mean_iou") {
		metric.axis = args.integer("axis", -1, INT64_MIN + 1);
	}
	if (name == "mean_iou") {
		if (!args.get("num_classes")) {
			fail(args.location(), "argument 'num_classes' of MeanIoU is required");
		}
		metric.num_classes = args.integer("num_classes", 2, 2);
		args.only_none("ignore_class");
		args.only_bool("sparse_y_true", true);
		args.only_bool("sparse_y_pred", true);
	}
	if (name == "f1_score" || name == "fbeta_score") {
		const Value *average = args.get("average");
		if (average && average->kind != ValueKind::None) {
			metric.average = string_value(*average, args.what("average"));
			if (metric.average != "micro" && metric.average != "macro" && metric.average != "weighted") {
				fail(average->location, args.what("average") + " must be None, 'micro', 'macro' or 'weighted'");
			}
		}
		if (name == "fbeta_score") {
			metric.beta = args.number("beta", 1.0);
		}
		if (const Value *threshold = args.get("threshold"); threshold && threshold->kind != ValueKind::None) {
			metric.threshold = args.number_in("threshold", 0.5, 0.0, 1.0, true);
		}
	}
	if (name == "r2_score") {
		args.only_string("class_aggregation", "uniform_average");
		args.only_number("num_regressors", 0);
	}
}

// ---- per-output compile arguments ----

size_t output_index(const std::string &key, const std::vector<std::string> &outputs, SourceLocation location) {
	for (size_t i = 0; i < outputs.size(); i++) {
		if (outputs[i] == key) {
			return i;
		}
	}
	fail(location, "'" + key + "' is not an output of the model; its outputs are " + join(outputs));
}

std::vector<MetricSpec> metric_list(const Value &value) {
	std::vector<MetricSpec> metrics;
	auto add = [&](const Value &item) {
		MetricSpec metric = metric_from_value(item);
		for (const auto &existing : metrics) {
			if (existing.display_name == metric.display_name && existing.name == metric.name) {
				fail(item.location, "metric '" + metric.name + "' is listed twice");
			}
		}
		metrics.push_back(std::move(metric));
	};
	if (value.kind == ValueKind::None) {
		return metrics;
	}
	if (value.is_sequence()) {
		for (const auto &item : value.items) {
			add(item);
		}
		return metrics;
	}
	add(value);
	return metrics;
}

} // namespace

LearningRateSchedule schedule_from_value(const Value &value) {
	auto bare = strip_module(value.text, "schedules", {"keras.optimizers.schedules", "optimizers.schedules"});
	static const std::map<std::string, std::string, std::less<>> kNames = {
	    {"ExponentialDecay", "exponential_decay"},
	    {"PiecewiseConstantDecay", "piecewise_constant_decay"},
	    {"CosineDecay", "cosine_decay"},
	    {"InverseTimeDecay", "inverse_time_decay"},
	    {"PolynomialDecay", "polynomial_decay"}};
	auto found = bare ? kNames.find(*bare) : kNames.end();
	if (value.kind != ValueKind::Call || found == kNames.end()) {
		fail(name_at(value), "unknown learning-rate schedule " + describe(value) +
		                         "; expected ExponentialDecay, PiecewiseConstantDecay, CosineDecay, "
		                         "InverseTimeDecay or PolynomialDecay");
	}
	LearningRateSchedule schedule;
	schedule.name = found->second;
	const std::string &name = schedule.name;
	std::vector<std::string> positional =
	    name == "piecewise_constant_decay" ? std::vector<std::string>{"boundaries", "values"}
	    : name == "cosine_decay"           ? std::vector<std::string>{"initial_learning_rate", "decay_steps", "alpha"}
	    : name == "polynomial_decay"
	        ? std::vector<std::string>{"initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle"}
	        : std::vector<std::string>{"initial_learning_rate", "decay_steps", "decay_rate", "staircase"};
	CallArguments args(value, *bare, positional);
	auto required = [&](const std::string &argument) {
		if (!args.get(argument)) {
			fail(value.location, "argument '" + argument + "' of " + *bare + " is required");
		}
	};
	if (name == "piecewise_constant_decay") {
		required("boundaries");
		required("values");
		const Value *boundaries = args.get("boundaries");
		const Value *values = args.get("values");
		if (!boundaries->is_sequence() || !values->is_sequence() ||
		    values->items.size() != boundaries->items.size() + 1) {
			fail(value.location, "PiecewiseConstantDecay needs lists with one more value than boundaries");
		}
		for (const auto &item : boundaries->items) {
			schedule.boundaries.push_back(number_value(item, args.what("boundaries")));
		}
		for (const auto &item : values->items) {
			schedule.values.push_back(number_value(item, args.what("values")));
		}
		schedule.initial_learning_rate = schedule.values.front();
	} else {
		required("initial_learning_rate");
		required("decay_steps");
		schedule.initial_learning_rate = positive(args, "initial_learning_rate", 0.0);
		schedule.decay_steps = args.integer("decay_steps", 1);
		if (name == "exponential_decay" || name == "inverse_time_decay") {
			required("decay_rate");
			schedule.decay_rate = args.number("decay_rate", 0.0);
			schedule.staircase = args.boolean("staircase", false);
		} else if (name == "cosine_decay") {
			schedule.alpha = args.number_in("alpha", 0.0, 0.0, 1.0, true);
			args.only_none("warmup_target");
			args.only_number("warmup_steps", 0);
		} else {
			schedule.end_learning_rate = args.number("end_learning_rate", 0.0001);
			schedule.power = args.number("power", 1.0);
			schedule.cycle = args.boolean("cycle", false);
		}
	}
	args.ignored("name");
	args.finish();
	return schedule;
}

OptimizerSpec optimizer_from_value(const Value &value) {
	OptimizerSpec optimizer;
	optimizer.location = value.location;
	std::string name;
	if (value.kind == ValueKind::String) {
		name = value.text;
	} else if (value.kind == ValueKind::Call) {
		auto bare = strip_module(
		    value.text, "optimizers",
		    {"tf.optimizers", "keras.optimizers.legacy", "tf.keras.optimizers.legacy", "optimizers.legacy"});
		if (!bare) {
			fail(value.location,
			     "expected an optimizer such as 'adam' or tf.keras.optimizers.Adam(learning_rate=0.001), found " +
			         describe(value));
		}
		name = *bare;
	} else if (value.kind == ValueKind::Name) {
		fail(value.location,
		     "optimizer '" + value.text + "' must be called, e.g. " + value.text + "(learning_rate=0.001)");
	} else {
		fail(value.location, "expected an optimizer such as 'adam', found " + describe(value));
	}
	const OptimizerInfo *info = find_optimizer(name);
	if (!info) {
		fail(name_at(value), "unknown optimizer '" + lowercase(name) + "'; expected one of " + optimizer_names() +
		                         " (as names or tf.keras.optimizers objects)");
	}
	optimizer.name = info->name;
	optimizer.learning_rate = info->learning_rate;
	if (info->name == "adadelta") {
		optimizer.rho = 0.95;
	}
	if (value.kind != ValueKind::Call) {
		return optimizer;
	}
	CallArguments args(value, info->klass, info->positional);
	const Value *lr = args.get("learning_rate");
	const Value *legacy = args.get("lr");
	if (lr && legacy) {
		fail(legacy->location, "give either 'learning_rate' or its old name 'lr' of " + info->klass + ", not both");
	}
	if (lr || legacy) {
		const Value &rate = lr ? *lr : *legacy;
		const std::string key = lr ? "learning_rate" : "lr";
		if (rate.kind == ValueKind::Call) {
			optimizer.schedule = schedule_from_value(rate);
			optimizer.learning_rate = optimizer.schedule->initial_learning_rate;
		} else {
			optimizer.learning_rate = positive(args, key, optimizer.learning_rate);
		}
	}
	const std::string &name_ = info->name;
	if (name_ == "sgd" || name_ == "rmsprop") {
		optimizer.momentum = args.number_in("momentum", 0.0, 0.0, 1.0, true);
	}
	if (name_ == "sgd") {
		optimizer.nesterov = args.boolean("nesterov", false);
	}
	if (name_ == "rmsprop" || name_ == "adadelta") {
		optimizer.rho = args.number_in("rho", optimizer.rho, 0.0, 1.0, true);
	}
	if (name_ == "rmsprop") {
		optimizer.centered = args.boolean("centered", false);
	}
	if (name_ == "adam" || name_ == "adamw" || name_ == "adamax" || name_ == "nadam") {
		optimizer.beta_1 = args.number_in("beta_1", 0.9, 0.0, 1.0);
		optimizer.beta_2 = args.number_in("beta_2", 0.999, 0.0, 1.0);
	}
	if (name_ == "adam" || name_ == "adamw") {
		optimizer.amsgrad = args.boolean("amsgrad", false);
	}
	if (name_ == "adamw") {
		optimizer.weight_decay = args.number("weight_decay", 0.004);
	} else {
		args.only_none("weight_decay");
	}
	if (name_ == "adagrad" || name_ == "ftrl") {
		optimizer.initial_accumulator_value = args.number("initial_accumulator_value", 0.1);
	}
	if (name_ == "ftrl") {
		optimizer.learning_rate_power = args.number("learning_rate_power", -0.5);
		if (optimizer.learning_rate_power > 0) {
			fail(args.get("learning_rate_power")->location, args.what("learning_rate_power") + " must be <= 0");
		}
		optimizer.l1_regularization_strength = args.number("l1_regularization_strength", 0.0);
		optimizer.l2_regularization_strength = args.number("l2_regularization_strength", 0.0);
		optimizer.l2_shrinkage_regularization_strength = args.number("l2_shrinkage_regularization_strength", 0.0);
		optimizer.beta = args.number("beta", 0.0);
	}
	if (name_ != "sgd" && name_ != "ftrl") {
		const Value *epsilon = args.get("epsilon");
		// Keras 2.0 wrote epsilon=None for "the backend's", which is 1e-7
		optimizer.epsilon = epsilon && epsilon->kind == ValueKind::None ? 1e-7 : args.number("epsilon", 1e-7);
	}
	optimizer.decay = args.number("decay", 0.0);
	if (optimizer.decay < 0) {
		fail(args.get("decay")->location, args.what("decay") + " must not be negative");
	}
	optimizer.clipnorm = optional_positive(args, "clipnorm");
	optimizer.clipvalue = optional_positive(args, "clipvalue");
	optimizer.global_clipnorm = optional_positive(args, "global_clipnorm");
	if (optimizer.clipnorm && optimizer.global_clipnorm) {
		fail(args.get("global_clipnorm")->location, "give either clipnorm or global_clipnorm, not both");
	}
	args.ignored("name");
	args.only_bool("use_ema", false);
	args.ignored("ema_momentum");
	args.ignored("ema_overwrite_frequency");
	args.ignored("jit_compile");
	args.finish();
	return optimizer;
}

LossSpec loss_from_value(const Value &value) {
	LossSpec loss;
	loss.location = value.location;
	auto by_function = [](const std::string &name) -> const LossInfo * {
		for (const auto &info : loss_table()) {
			if (std::find(info.functions.begin(), info.functions.end(), name) != info.functions.end()) {
				return &info;
			}
		}
		return nullptr;
	};
	auto by_class = [](const std::string &name) -> const LossInfo * {
		for (const auto &info : loss_table()) {
			if (info.klass == name) {
				return &info;
			}
		}
		return nullptr;
	};
	if (value.kind == ValueKind::String || value.kind == ValueKind::Name) {
		std::string name = value.text;
		if (value.kind == ValueKind::Name) {
			auto bare = strip_module(value.text, "losses", {"tf.losses"});
			if (!bare) {
				fail(name_at(value), "unknown loss " + describe(value) + "; " + loss_expectation());
			}
			name = *bare;
			if (by_class(name)) {
				fail(value.location, "loss class " + name + " must be called, e.g. " + value.text + "()");
			}
		}
		const LossInfo *info = by_function(name);
		if (!info && value.kind == ValueKind::String) {
			info = by_class(name); // Keras also reads class names as strings
		}
		if (!info) {
			fail(name_at(value), "unknown loss '" + name + "'; " + loss_expectation());
		}
		loss.name = info->name;
		return loss;
	}
	if (value.kind != ValueKind::Call) {
		fail(value.location, "expected a loss such as 'mse', found " + describe(value) + "; " + loss_expectation());
	}
	auto bare = strip_module(value.text, "losses", {"tf.losses"});
	const LossInfo *info = bare ? by_class(*bare) : nullptr;
	if (!info) {
		fail(name_at(value), "unknown loss " + describe(value) + "; " + loss_expectation());
	}
	loss.name = info->name;
	CallArguments args(value, *bare, info->positional);
	const std::string &name = info->name;
	if (name == "huber") {
		loss.delta = positive(args, "delta", 1.0);
	}
	if (name.ends_with("crossentropy")) {
		loss.from_logits = args.boolean("from_logits", false);
	}
	if (name == "binary_crossentropy" || name == "categorical_crossentropy" || name.ends_with("focal_crossentropy")) {
		loss.label_smoothing = args.number_in("label_smoothing", 0.0, 0.0, 1.0, true);
		loss.axis = args.integer("axis", -1, INT64_MIN + 1);
	}
	if (name.ends_with("focal_crossentropy")) {
		loss.gamma = args.number("gamma", 2.0);
		loss.alpha = args.number_in("alpha", 0.25, 0.0, 1.0, true);
		if (name == "binary_focal_crossentropy") {
			loss.apply_class_balancing = args.boolean("apply_class_balancing", false);
		}
	}
	if (name == "sparse_categorical_crossentropy") {
		loss.ignore_class = args.optional_integer("ignore_class", INT64_MIN + 1);
	}
	if (name == "cosine_similarity") {
		loss.axis = args.integer("axis", -1, INT64_MIN + 1);
	}
	if (const Value *reduction = args.get("reduction"); reduction && reduction->kind != ValueKind::None) {
		loss.reduction = string_value(*reduction, args.what("reduction"));
		if (loss.reduction != "auto" && loss.reduction != "sum" && loss.reduction != "sum_over_batch_size" &&
		    loss.reduction != "none") {
			fail(reduction->location,
			     args.what("reduction") + " must be 'auto', 'sum', 'sum_over_batch_size' or 'none'");
		}
	}
	args.ignored("name");
	args.finish();
	return loss;
}

MetricSpec metric_from_value(const Value &value) {
	MetricSpec metric;
	metric.location = value.location;
	if (value.kind == ValueKind::String || value.kind == ValueKind::Name) {
		std::string name = value.text;
		if (value.kind == ValueKind::Name) {
			auto bare = strip_module(value.text, "metrics", {"tf.metrics"});
			name = bare ? *bare : value.text;
		}
		for (const auto &info : metric_table()) {
			bool by_string = std::find(info.strings.begin(), info.strings.end(), name) != info.strings.end();
			if (!by_string && info.klass == name) {
				if (value.kind == ValueKind::Name) {
					fail(value.location, "metric class " + name + " must be called, e.g. " + value.text + "()");
				}
				if (info.strings.empty()) {
					fail(value.location,
					     "metric " + name + " needs arguments; write tf.keras.metrics." + name + "(...)");
				}
				by_string = true; // Keras reads class names as strings too
			}
			if (by_string) {
				metric.name = info.name;
				metric.display_name = value.kind == ValueKind::String ? value.text : info.display;
				return metric;
			}
		}
		fail(name_at(value), "unknown metric '" + name + "'; " + metric_expectation());
	}
	if (value.kind != ValueKind::Call) {
		fail(value.location,
		     "expected a metric such as 'accuracy', found " + describe(value) + "; " + metric_expectation());
	}
	auto bare = strip_module(value.text, "metrics", {"tf.metrics"});
	const MetricInfo *info = nullptr;
	for (const auto &candidate : metric_table()) {
		if (bare && candidate.klass == *bare) {
			info = &candidate;
		}
	}
	if (!info) {
		fail(name_at(value), "unknown metric " + describe(value) + "; " + metric_expectation());
	}
	metric.name = info->name;
	CallArguments args(value, *bare, info->positional);
	metric_arguments(args, *info, metric);
	args.finish();
	return metric;
}

CompileSpec compile_from_call(const Value &call, const std::vector<std::string> &outputs) {
	CompileSpec compile;
	compile.present = true;
	CallArguments args(call, call.kind == ValueKind::Dict ? "compile" : "compile()",
	                   {"optimizer", "loss", "metrics", "loss_weights"});
	if (const Value *optimizer = args.get("optimizer"); optimizer && optimizer->kind != ValueKind::None) {
		compile.optimizer = optimizer_from_value(*optimizer);
	} else {
		compile.optimizer.location = call.location;
	}
	const Value *loss = args.get("loss");
	if (!loss || loss->kind == ValueKind::None) {
		fail(call.location, "compile needs a loss, e.g. loss='sparse_categorical_crossentropy'");
	}
	size_t count = std::max<size_t>(outputs.size(), 1);
	if (loss->kind == ValueKind::Dict) {
		compile.losses.assign(count, LossSpec{});
		for (const auto &entry : loss->keywords) {
			compile.losses[output_index(entry.name, outputs, entry.location)] = loss_from_value(entry.value);
		}
	} else if (loss->is_sequence()) {
		if (loss->items.size() != count) {
			fail(loss->location, "compile's loss list has " + std::to_string(loss->items.size()) +
			                         " entries for a model with " + std::to_string(count) + " outputs");
		}
		for (const auto &item : loss->items) {
			compile.losses.push_back(loss_from_value(item));
		}
	} else {
		compile.losses.assign(count, loss_from_value(*loss));
	}
	compile.loss = compile.losses.front();
	compile.loss_weights.assign(count, 1.0);
	if (const Value *weights = args.get("loss_weights"); weights && weights->kind != ValueKind::None) {
		if (weights->kind == ValueKind::Dict) {
			for (const auto &entry : weights->keywords) {
				compile.loss_weights[output_index(entry.name, outputs, entry.location)] =
				    number_value(entry.value, "loss_weights['" + entry.name + "']");
			}
		} else if (weights->is_sequence() && weights->items.size() == count) {
			for (size_t i = 0; i < count; i++) {
				compile.loss_weights[i] = number_value(weights->items[i], "each of compile's loss_weights");
			}
		} else {
			fail(weights->location, "loss_weights must be a list with one weight per output (" + std::to_string(count) +
			                            ") or a dict by output name");
		}
	}
	compile.output_metrics.assign(count, {});
	if (const Value *metrics = args.get("metrics"); metrics && metrics->kind != ValueKind::None) {
		if (metrics->kind == ValueKind::Dict) {
			for (const auto &entry : metrics->keywords) {
				compile.output_metrics[output_index(entry.name, outputs, entry.location)] = metric_list(entry.value);
			}
			compile.metric_specs = compile.output_metrics.front();
		} else if (!metrics->is_sequence()) {
			fail(metrics->location, "metrics must be a list such as ['accuracy'], not " + describe(*metrics));
		} else if (count > 1 && !metrics->items.empty() && metrics->items.front().is_sequence()) {
			if (metrics->items.size() != count) {
				fail(metrics->location,
				     "metrics as a list of lists needs one list per output (" + std::to_string(count) + ")");
			}
			for (size_t i = 0; i < count; i++) {
				compile.output_metrics[i] = metric_list(metrics->items[i]);
			}
			compile.metric_specs = compile.output_metrics.front();
		} else {
			compile.metric_specs = metric_list(*metrics);
			compile.output_metrics.assign(count, compile.metric_specs);
		}
	}
	for (const auto &metric : compile.metric_specs) {
		compile.metrics.push_back(metric.name);
	}
	args.only_none("weighted_metrics");
	args.only_none("sample_weight_mode");
	args.ignored("run_eagerly");
	args.ignored("steps_per_execution");
	args.ignored("jit_compile");
	args.finish();
	return compile;
}

} // namespace kafkaml::ml::spec
