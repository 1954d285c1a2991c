// `kafkaml model`: work with model definitions without a cluster.
//   model check FILE|- [--weights H5]
//                        validate a definition; print its Keras-style summary
//                        (the graph's, with "Connected to"), inputs and
//                        outputs, compile() and the statements it ignored
//                        (exit 0), or the error with line:column (exit 1);
//                        a valid definition the engine does not train yet
//                        is printed, then refused saying what (exit 1), as
//                        is a keras.applications base with weights='imagenet'
//                        without --weights, the Keras weights file it takes.
//   model fit FILE --data CSV|NPY (--label-column C | --labels Y) [--weights H5] ...
//                        train without Kafka (the paper's "normal" run) with
//                        the libtorch engine; per-epoch metrics, the final
//                        validation metrics and the wall time.
//   model predict MODEL --data CSV|NPY [-o FILE]
//                        one {"values": [...]} line per row, as an
//                        inference writes them.
// Runs on the main thread; reads the file once.

#include "cli/command_registry.h"
#include "ml/spec/diagnostic.h"
#include "ml/spec/model_report.h"
#include "ml/spec/parse.h"
#include "ml/spec/summary.h"
#ifdef KAFKAML_HAS_ML_ENGINE // set by kafkaml_ml; absent when built without libtorch
#include "formats/json_codec.h"
#include "ml/csv_data.h"
#include "ml/engine_support.h"
#include "ml/keras_weights.h"
#include "ml/model.h"
#include "ml/plan.h"
#endif

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

namespace kafkaml::cli {

namespace {

//! The whole file, or stdin for "-". Throws CLI::RuntimeError(1) after
//! printing why when it cannot be read.
std::string read_definition(const std::string &path, const char *what = "model definition") {
	if (path == "-") {
		return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
	}
	std::ifstream file(path, std::ios::binary);
	if (!file) {
		std::fprintf(stderr, "error: cannot read %s '%s'; check the path\n", what, path.c_str());
		throw CLI::RuntimeError(1);
	}
	std::ostringstream content;
	content << file.rdbuf();
	return content.str();
}

//! A --weights file for a definition: refused when the model takes none,
//! required when it does (ModelSpec::pretrained). Throws
//! ModelDefinitionError for the diagnostic.
void check_weights_given(const ml::ModelSpec &spec, const std::string &weights) {
	if (spec.pretrained && weights.empty()) {
		throw ml::missing_weights_error(spec);
	}
	if (!spec.pretrained && !weights.empty()) {
		throw std::invalid_argument("--weights: this model takes no weights file; only a keras.applications base "
		                            "built with weights='imagenet' or weights='<file>.h5' does");
	}
}

#ifdef KAFKAML_HAS_ML_ENGINE
//! Loads the --weights file into a built model and says what went where.
void load_weights(ml::Model &model, const std::string &path) {
	if (!model.spec().pretrained) {
		return;
	}
	try {
		std::printf("%s\n", model.load_pretrained_weights(read_definition(path, "weights file")).c_str());
	} catch (const std::invalid_argument &error) {
		throw std::invalid_argument(path + ": " + error.what());
	}
}
#endif

void add_check(CLI::App &model) {
	auto path = std::make_shared<std::string>();
	auto weights = std::make_shared<std::string>();
	CLI::App *check = model.add_subcommand(
	    "check", "Validate a model definition (Keras-subset Python, Keras JSON or plain JSON spec) and print its "
	             "summary: each layer's output shape and parameter count");
	check->add_option("file", *path, "the definition file, or - for stdin")->required();
	check->add_option("--weights", *weights,
	                  "the Keras weights file (.h5) of a keras.applications base built with weights='imagenet' or "
	                  "weights='<file>.h5': checked against the model");
	check->callback([path, weights] {
		std::string text = read_definition(*path);
		std::string source = *path == "-" ? "<stdin>" : *path;
		try {
			ml::ModelSpec spec = ml::parse_model_definition(text);
			std::fputs(ml::format_model_check(spec).c_str(), stdout);
			check_weights_given(spec, *weights);
#ifdef KAFKAML_HAS_ML_ENGINE
			// Valid Keras that this system cannot train yet is refused by the
			// server too: say so here, where the user checks.
			if (auto gaps = ml::engine_gaps(spec); !gaps.empty()) {
				std::fprintf(stderr, "%s: %s\n", source.c_str(), ml::describe_gaps(gaps).c_str());
				throw CLI::RuntimeError(1);
			}
			if (!weights->empty()) {
				if (ml::input_shape_complete(spec)) {
					ml::Model built = ml::Model::build(spec);
					load_weights(built, *weights);
				} else {
					// The weights' shapes depend on the input's, which the stream fixes.
					try {
						ml::read_keras_weights(read_definition(*weights, "weights file"), ml::kMaxModelParameters);
					} catch (const std::invalid_argument &error) {
						throw std::invalid_argument(*weights + ": " + error.what());
					}
					std::printf("%s is a Keras weights file; it is loaded when the model is built on the "
					            "stream's input shape\n",
					            weights->c_str());
				}
			}
#endif
		} catch (const ml::ModelDefinitionError &error) {
			std::fputs(ml::format_diagnostic(source, text, error).c_str(), stderr);
			throw CLI::RuntimeError(1);
		}
	});
}

#ifdef KAFKAML_HAS_ML_ENGINE
struct FitArguments {
	std::string file, data, labels, label_column, kwargs, output, export_path, weights;
	std::optional<int64_t> batch;
	double validation_rate = 0.1;
	bool standardize = false;
	bool shuffle_rows = false;
	uint64_t seed = 0;
	int threads = 1;
};

void write_file(const std::string &path, const std::string &bytes) {
	std::ofstream out(path, std::ios::binary);
	out << bytes;
	if (!out) {
		std::fprintf(stderr, "error: cannot write '%s'; check the directory exists and is writable\n", path.c_str());
		throw CLI::RuntimeError(1);
	}
}

void run_fit(const FitArguments &args) {
	std::string text = read_definition(args.file);
	ml::ModelSpec spec;
	ml::FitOptions options;
	try {
		spec = ml::parse_model_definition(text);
		check_weights_given(spec, args.weights);
	} catch (const ml::ModelDefinitionError &error) {
		std::fputs(ml::format_diagnostic(args.file, text, error).c_str(), stderr);
		throw CLI::RuntimeError(1);
	}
	try {
		options = ml::parse_fit_kwargs(args.kwargs);
	} catch (const ml::ModelDefinitionError &error) {
		std::fprintf(stderr, "error: --kwargs: %s\n", error.what());
		throw CLI::RuntimeError(1);
	}
	if (args.batch) {
		options.batch_size = args.batch;
	}
	options.seed = options.seed.value_or(args.seed);
	if (args.validation_rate < 0.0 || args.validation_rate >= 1.0) {
		throw std::invalid_argument("--validation-rate must be in [0, 1)");
	}
	if (args.labels.empty() == args.label_column.empty()) {
		throw std::invalid_argument("give either --label-column (the label is a column of --data) or --labels FILE "
		                            "(the labels in a file of their own, e.g. y.npy)");
	}
	ml::LabeledData data = args.labels.empty()
	                           ? ml::read_labeled_csv(read_definition(args.data), args.label_column)
	                           : ml::read_labeled_arrays(read_definition(args.data), read_definition(args.labels));
	if (args.standardize) {
		ml::standardize(data.features);
	}
	if (args.shuffle_rows) {
		ml::shuffle_rows(data, args.seed);
	}
	auto [train, validation] = ml::split_tail(data, args.validation_rate);
	bool has_validation = validation.features.rows() > 0;
	ml::set_engine_threads(args.threads);
	if (!ml::input_shape_complete(spec)) {
		// As the training job does: the input shape (or its None dimensions) is the data's row shape.
		ml::Shape row(data.features.shape.begin() + 1, data.features.shape.end());
		try {
			ml::bind_input_shape(spec, {row});
		} catch (const ml::ModelDefinitionError &error) {
			throw std::invalid_argument(std::string("the model cannot take the data's rows: ") + error.what());
		}
	}
	auto model = ml::Model::build(spec, args.seed);
	load_weights(model, args.weights);
	std::printf("training on %lld samples, validating on %lld (%s path)\n",
	            static_cast<long long>(train.features.rows()), static_cast<long long>(validation.features.rows()),
	            model.path() == ml::ExecutionPath::Fused ? "fused" : "libtorch");
	int verbose = options.verbose;
	options.verbose = 0; // printed below on stdout instead
	auto start = std::chrono::steady_clock::now();
	auto result = model.fit(
	    train.features, train.labels, options, has_validation ? &validation.features : nullptr,
	    has_validation ? &validation.labels : nullptr, [&](const ml::EpochLog &log) {
		    if (verbose > 0) {
			    std::printf("epoch %lld/%lld %s%s%s\n", static_cast<long long>(log.epoch),
			                static_cast<long long>(options.epochs), ml::format_metrics(log.train).c_str(),
			                log.validation.empty() ? "" : " ", ml::format_metrics(log.validation, "val_").c_str());
		    }
		    return true;
	    });
	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	if (has_validation) {
		auto final_metrics = model.evaluate(validation.features, validation.labels, options.batch_size);
		std::printf("validation: %s\n", ml::format_metrics(final_metrics).c_str());
	}
	std::printf("trained %lld steps in %.3f s\n", static_cast<long long>(result.steps), seconds);
	if (!args.output.empty()) {
		write_file(args.output, model.save());
	}
	if (!args.export_path.empty()) {
		write_file(args.export_path, model.export_pytorch());
	}
}

void add_fit(CLI::App &model) {
	auto args = std::make_shared<FitArguments>();
	CLI::App *fit = model.add_subcommand("fit", "Train a model definition on a CSV or .npy file without Kafka and "
	                                            "print per-epoch metrics, the validation metrics and the wall time");
	fit->add_option("file", args->file, "the definition file, or - for stdin")->required();
	fit->add_option("--data", args->data,
	                "CSV file with a header row (every column but the label is a feature), or .npy (a first-axis "
	                "slice per sample)")
	    ->required();
	fit->add_option("--label-column", args->label_column, "name (or number) of the label column of --data");
	fit->add_option("--labels", args->labels, "the labels in a file of their own (.npy or CSV), row for row");
	fit->add_option("--weights", args->weights,
	                "the Keras weights file (.h5) of a keras.applications base built with weights='imagenet' or "
	                "weights='<file>.h5', loaded before training");
	fit->add_option("--batch", args->batch, "batch size (overrides batch_size in --kwargs; default 32)");
	fit->add_option("--kwargs", args->kwargs, "fit kwargs, e.g. \"epochs=1000, steps_per_epoch=22, shuffle=True\"");
	fit->add_option("--validation-rate", args->validation_rate, "share of rows (the last ones) used for validation")
	    ->capture_default_str();
	fit->add_flag("--standardize", args->standardize, "scale each feature to mean 0, standard deviation 1");
	fit->add_flag("--shuffle-rows", args->shuffle_rows, "shuffle rows (seeded) before taking the validation rows");
	fit->add_option("--output", args->output, "write the trained model file here");
	fit->add_option("--export", args->export_path, "write a PyTorch file (torch.load) of the trained model here");
	fit->add_option("--seed", args->seed, "seed of weights, shuffling and dropout")->capture_default_str();
	fit->add_option("--threads", args->threads, "libtorch intra-op threads")->capture_default_str();
	fit->callback([args] {
		try {
			run_fit(*args);
		} catch (const std::invalid_argument &error) {
			std::fprintf(stderr, "error: %s\n", error.what());
			throw CLI::RuntimeError(1);
		}
	});
}

struct PredictArguments {
	std::string model, data, skip_column, output;
	int64_t batch = 1024;
};

//! One JSON line per sample: {"values": [...]}, as an inference writes to
//! its output topic.
void run_predict(const PredictArguments &args) {
	auto model = ml::Model::load(read_definition(args.model));
	auto features = ml::read_features(read_definition(args.data), args.skip_column);
	ml::Shape expected = model.input_shape();
	ml::Shape got(features.shape.begin() + 1, features.shape.end());
	if (ml::shape_size(got) != ml::shape_size(expected)) {
		throw std::invalid_argument("each row of the data has " + std::to_string(ml::shape_size(got)) +
		                            " values; the model takes " + std::to_string(ml::shape_size(expected)) +
		                            " (input shape " + ml::shape_to_string(expected) +
		                            "); pass --skip-column for a label column the file still has");
	}
	features.shape = {features.shape[0]};
	features.shape.insert(features.shape.end(), expected.begin(), expected.end());
	auto predictions = model.predict(features, args.batch);
	std::ofstream file;
	if (!args.output.empty()) {
		file.open(args.output, std::ios::binary | std::ios::trunc);
		if (!file) {
			throw std::invalid_argument("cannot write '" + args.output +
			                            "'; check the directory exists and is writable");
		}
	}
	std::ostream &out = args.output.empty() ? std::cout : file;
	std::string line;
	auto width = static_cast<size_t>(predictions.row_size());
	for (int64_t row = 0; row < predictions.rows(); row++) {
		line.clear();
		formats::encode_json_values(std::span<const float>(&predictions.data[static_cast<size_t>(row) * width], width),
		                            line);
		out << line << '\n';
	}
	out.flush();
	if (!args.output.empty()) {
		std::fprintf(stderr, "wrote %lld predictions to %s\n", static_cast<long long>(predictions.rows()),
		             args.output.c_str());
	}
}

void add_predict(CLI::App &model) {
	auto args = std::make_shared<PredictArguments>();
	CLI::App *predict = model.add_subcommand(
	    "predict", "Predict every row of a CSV or .npy file with a trained model file (kafkaml model fit --output, "
	               "or kafkaml results download) and write one {\"values\": [...]} line per row");
	predict->add_option("model", args->model, "the trained model file")->required();
	predict->add_option("--data", args->data, "CSV (header row) or .npy file of samples, or - for stdin")->required();
	predict->add_option("--skip-column", args->skip_column, "a column of --data that is not a feature (a label)");
	predict->add_option("-o,--output", args->output, "file to write (default: standard output)");
	predict->add_option("--batch", args->batch, "samples per model call")
	    ->capture_default_str()
	    ->check(CLI::PositiveNumber);
	predict->callback([args] {
		try {
			run_predict(*args);
		} catch (const std::invalid_argument &error) {
			std::fprintf(stderr, "error: %s\n", error.what());
			throw CLI::RuntimeError(1);
		}
	});
}

#endif

void add_model_command(CLI::App &root) {
	CLI::App *model = root.add_subcommand("model", "Model definitions: check (and train locally) without Kafka");
	model->require_subcommand(1);
	add_check(*model);
#ifdef KAFKAML_HAS_ML_ENGINE
	add_fit(*model);
	add_predict(*model);
#endif
}

} // namespace

KAFKAML_REGISTER_COMMAND(40, add_model_command);

} // namespace kafkaml::cli
