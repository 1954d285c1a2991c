#include "workers/training_job.h"

#include "common/error.h"
#include "formats/format_error.h"
#include "formats/message_decoder.h"
#include "formats/split.h"
#include "ml/engine_support.h"
#include "ml/spec/parse.h"
#include "ml/submodels.h"
#include "stream/stream_error.h"
#include "workers/continual_training.h"
#include "workers/failure_action.h"
#include "workers/training_model.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>

namespace kafkaml::workers {
namespace {

//! Thrown out of the reading or fitting loop when the job was cancelled.
struct Cancelled {};

std::string duration_text(std::chrono::milliseconds duration) {
	auto ms = duration.count();
	if (ms >= 60000 && ms % 60000 == 0) {
		return std::to_string(ms / 60000) + " min";
	}
	if (ms >= 1000 && ms % 1000 == 0) {
		return std::to_string(ms / 1000) + " s";
	}
	return std::to_string(ms) + " ms";
}

//! Records read per partition against what the ranges name there, to say
//! what a job that gets no more records waits for.
class ReadProgress {
public:
	explicit ReadProgress(const std::vector<formats::Range> &ranges) {
		for (const auto &range : ranges) {
			expected_[{range.topic, range.partition}] += range.size();
		}
	}
	void add(const stream::Record &record) { read_[{record.topic, record.partition}]++; }
	//! "hcopd:0 has 478 of 5000" for each partition short of its ranges.
	std::string missing() const {
		std::string out;
		for (const auto &[partition, expected] : expected_) {
			auto found = read_.find(partition);
			int64_t read = found == read_.end() ? 0 : found->second;
			if (read < expected) {
				out += (out.empty() ? "" : ", ") + partition.first + ":" + std::to_string(partition.second) + " has " +
				       std::to_string(read) + " of " + std::to_string(expected);
			}
		}
		return out.empty() ? "the end of the ranges" : out;
	}

private:
	std::map<std::pair<std::string, int32_t>, int64_t> expected_;
	std::map<std::pair<std::string, int32_t>, int64_t> read_;
};

//! Counts the records whose decoded features or label hold NaN (a missing
//! or null value) or an infinity, and remembers the first: trained on, they
//! would not fail the training but make its loss and metrics NaN.
//! Thread: the job's.
class UnusableValues {
public:
	void check(const stream::Record &record, const formats::Batch &batch, size_t features_from, size_t labels_from) {
		auto bad = [](const std::vector<float> &values, size_t from) {
			return std::any_of(values.begin() + static_cast<std::ptrdiff_t>(from), values.end(),
			                   [](float v) { return !std::isfinite(v); });
		};
		bool bad_features = bad(batch.features, features_from);
		bool bad_label = bad(batch.labels, labels_from);
		if (!bad_features && !bad_label) {
			return;
		}
		if (count_++ == 0) {
			first_ = record.topic + " partition " + std::to_string(record.partition) + " offset " +
			         std::to_string(record.offset) + (bad_features ? ", in its features" : ", in its label");
		}
	}
	void throw_if_any(size_t records) const {
		if (count_ == 0) {
			return;
		}
		throw UserError(
		    std::to_string(count_) + " of " + std::to_string(records) +
		    " records of the training stream have a missing (null or NaN) or infinite value, the first at " + first_ +
		    ": a model trained on them gets a NaN loss. Send the stream again with every value filled in "
		    "(kafkaml send refuses empty cells) and deploy again");
	}

private:
	size_t count_ = 0;
	std::string first_;
};

//! Reads every record of the ranges and decodes it into `batch`. While no
//! record comes, the result's detail says what is missing; after
//! `records_timeout` without one the job fails saying so.
void read_stream(int64_t result_id, const std::vector<formats::Range> &ranges, stream::Source &source,
                 const formats::MessageDecoder &decoder, formats::Batch &batch, const TrainingJobEnvironment &env) {
	ReadProgress progress(ranges);
	UnusableValues unusable;
	std::vector<stream::Record> records;
	auto last_record = std::chrono::steady_clock::now();
	std::string reported;
	bool more = true;
	while (more) {
		if (env.cancelled && env.cancelled()) {
			throw Cancelled{};
		}
		records.clear();
		try {
			more = source.poll_batch(records, 4096, std::chrono::milliseconds(200));
		} catch (const stream::RangeError &e) {
			// A restart would read the same missing records: the user must
			// send the stream again.
			throw UserError(std::string("the training stream cannot be read: ") + e.what());
		}
		for (const auto &record : records) {
			progress.add(record);
			size_t features_before = batch.features.size();
			size_t labels_before = batch.labels.size();
			try {
				decoder.decode(record.view(), batch, true);
			} catch (const formats::FormatError &e) {
				throw UserError(std::string("the training stream cannot be decoded: ") + e.what() + " (partition " +
				                std::to_string(record.partition) + ")");
			}
			unusable.check(record, batch, features_before, labels_before);
		}
		auto now = std::chrono::steady_clock::now();
		if (!records.empty() || !more) {
			last_record = now;
			continue;
		}
		if (now - last_record >= env.records_timeout) {
			throw UserError("waited " + duration_text(env.records_timeout) +
			                " for records the control message names that are not in the log: " + progress.missing() +
			                ". Were they sent to another topic or cluster, deleted by retention, or not sent yet? "
			                "Send them, or deploy again and send a control message whose ranges hold records");
		}
		if (now - last_record >= env.waiting_report_after) {
			auto detail = "waiting for records: " + progress.missing() + " (fails after " +
			              duration_text(env.records_timeout) + " without new records)";
			if (detail != reported) {
				env.coordinator->training_detail(result_id, detail);
				reported = detail;
			}
		}
	}
	unusable.throw_if_any(batch.rows);
}

//! A classifier with one output: its confusion matrix is reported.
bool is_classifier(const ml::ModelSpec &spec) {
	if (spec.outputs.size() > 1) {
		return false;
	}
	const auto &loss = spec.compile.loss.name;
	return loss == "sparse_categorical_crossentropy" || loss == "categorical_crossentropy" ||
	       loss == "binary_crossentropy";
}

//! Class index of a label row: the value itself, or the argmax of a one-hot.
int64_t class_of(const float *row, int64_t width) {
	if (width == 1) {
		return static_cast<int64_t>(std::lround(row[0]));
	}
	return std::max_element(row, row + width) - row;
}

//! Predicted class of an output row: threshold 0.5 (or 0 for logits) for
//! one output, else argmax.
int64_t predicted_class(const float *row, int64_t width, bool from_logits) {
	if (width == 1) {
		return row[0] > (from_logits ? 0.0f : 0.5f) ? 1 : 0;
	}
	return std::max_element(row, row + width) - row;
}

std::vector<std::vector<int64_t>> confusion_matrix(ml::Model &model, const ml::Array &x, const ml::Array &y,
                                                   int64_t batch) {
	auto predicted = model.predict(x, batch);
	int64_t rows = x.rows();
	int64_t out_width = predicted.row_size();
	int64_t label_width = y.row_size();
	int64_t classes = std::max<int64_t>(out_width, 2);
	for (int64_t i = 0; i < rows; ++i) {
		classes = std::max(classes, class_of(&y.data[i * label_width], label_width) + 1);
	}
	std::vector<std::vector<int64_t>> matrix(classes, std::vector<int64_t>(classes, 0));
	bool logits = model.spec().compile.loss.from_logits;
	for (int64_t i = 0; i < rows; ++i) {
		auto truth = class_of(&y.data[i * label_width], label_width);
		auto guess = predicted_class(&predicted.data[i * out_width], out_width, logits);
		if (truth >= 0 && truth < classes && guess >= 0 && guess < classes) {
			matrix[truth][guess]++;
		}
	}
	return matrix;
}

//! The original's distributed sub-models, bottom first, as one model whose
//! outputs are their exits. Throws UserError naming the sub-model that
//! does not parse or fit its upper model.
ml::ModelSpec chained_submodels(const std::vector<std::string> &codes) {
	std::vector<ml::ModelSpec> specs;
	for (size_t k = 0; k < codes.size(); ++k) {
		try {
			specs.push_back(ml::parse_model_definition(codes[k]));
		} catch (const ml::ModelDefinitionError &e) {
			throw UserError("the definition of distributed sub-model " + std::to_string(k + 1) + " of " +
			                std::to_string(codes.size()) + " (bottom first) is invalid: " + e.what());
		}
	}
	try {
		return ml::chain_submodels(specs);
	} catch (const std::invalid_argument &e) {
		throw UserError(std::string("the distributed sub-models do not chain: ") + e.what());
	}
}

JobOutcome train(int64_t result_id, const TrainingJobEnvironment &env) {
	auto &control = *env.coordinator;
	auto assignment = control.training_assignment(result_id);

	// A Keras model is its definition; a PyTorch model is an uploaded
	// TorchScript module trained with the compile() its code gives.
	bool torchscript = assignment.framework == "pytorch";
	ml::ModelSpec spec;
	try {
		if (torchscript) {
			spec.compile = ml::parse_compile_arguments(assignment.model_code);
		} else if (assignment.submodel_codes.size() > 1) {
			spec = chained_submodels(assignment.submodel_codes);
		} else {
			spec = ml::parse_model_definition(assignment.model_code);
		}
	} catch (const ml::ModelDefinitionError &e) {
		throw UserError(
		    std::string(torchscript ? "the compile arguments are invalid: " : "the model definition is invalid: ") +
		    e.what());
	}
	if (auto gaps = ml::engine_gaps(spec); !gaps.empty()) {
		throw UserError(ml::describe_gaps(gaps));
	}
	if (torchscript && assignment.module.empty()) {
		throw UserError("the model has no TorchScript module; upload it and deploy again");
	}
	if (!torchscript && spec.pretrained && assignment.weights.empty()) {
		throw UserError(ml::missing_weights_error(spec).what());
	}

	spdlog::info("result {}: waiting for the control message of deployment {}", result_id, assignment.deployment_id);
	auto stream_message = env.wait_for_stream(assignment.deployment_id);
	if (env.cancelled && env.cancelled()) {
		throw Cancelled{};
	}
	StreamInfo info{stream_message.topic_field(), stream_message.online(),  stream_message.input_format,
	                stream_message.input_config,  stream_message.total_msg, stream_message.validation_rate,
	                stream_message.test_rate};
	if (assignment.continual.mode != TrainingMode::batch && assignment.continual.resume) {
		info.resumes_version = assignment.continual.resume->version;
	}
	control.training_started(result_id, info);

	std::optional<formats::MessageDecoder> decoder;
	try {
		decoder.emplace(formats::MessageDecoder::from_config(stream_message.input_format, stream_message.input_config));
	} catch (const formats::FormatError &e) {
		throw UserError(std::string("the stream's input_format/input_config is unusable: ") + e.what());
	}
	if (!decoder->has_label()) {
		throw UserError("the training stream has no labels: its input_config needs a label_type (RAW) or "
		                "label_scheme (AVRO)");
	}
	if (assignment.continual.mode != TrainingMode::batch) {
		auto outcome =
		    train_continually(result_id, env, {assignment, std::move(spec), torchscript, stream_message, *decoder});
		return outcome; // reported, a stop with what was learned
	}
	if (stream_message.online()) {
		throw UserError("the stream is the online stream of topic " + stream_message.online_topic +
		                ", which has no end, and this deployment trains in mode batch, on a bounded stream: deploy "
		                "again with mode incremental or indefinite (kafkaml deploy --mode incremental), or send a "
		                "bounded stream (kafkaml send without --online)");
	}
	spdlog::info("result {}: reading {} records from {}", result_id, stream_message.total_msg, info.topic_ranges);
	formats::Batch batch;
	auto source = env.open_ranges(stream_message.ranges);
	read_stream(result_id, stream_message.ranges, *source, *decoder, batch, env);
	auto rows = static_cast<int64_t>(batch.rows);
	if (rows == 0) {
		throw UserError("the training stream is empty: the control message's ranges hold no records");
	}
	auto input_shape = bind_model_input(spec, torchscript, stream_message, batch.feature_width, result_id);

	formats::Split split;
	try {
		split = formats::compute_split(rows, stream_message.validation_rate, stream_message.test_rate);
	} catch (const formats::FormatError &e) {
		throw UserError(e.what());
	}
	if (split.train <= 0) {
		throw UserError("no records left for training after the validation and test shares");
	}
	ml::Shape label_shape;
	if (batch.label_width > 1) {
		label_shape.push_back(static_cast<int64_t>(batch.label_width));
	}
	auto x_of = [&](int64_t begin, int64_t count) {
		return rows_of(batch.features, batch.feature_width, begin, count, input_shape);
	};
	auto y_of = [&](int64_t begin, int64_t count) {
		return rows_of(batch.labels, batch.label_width, begin, count, label_shape);
	};
	auto train_x = x_of(0, split.train);
	auto train_y = y_of(0, split.train);
	auto test_x = x_of(split.test_begin(), split.test);
	auto test_y = y_of(split.test_begin(), split.test);
	auto val_x = x_of(split.validation_begin(), split.validation);
	auto val_y = y_of(split.validation_begin(), split.validation);

	auto fit = assignment.fit;
	if (!fit.batch_size) {
		fit.batch_size = assignment.batch;
	}
	fit.verbose = 0;
	auto model = build_training_model(spec, assignment, fit, torchscript, input_shape);
	bool stop_requested = false;
	auto on_epoch = [&](const ml::EpochLog &epoch) {
		bool keep_going = control.training_epoch(result_id, epoch);
		stop_requested = !keep_going || (env.cancelled && env.cancelled());
		return !stop_requested;
	};
	auto training_on = "training on " + std::to_string(split.train) + " records, validating on " +
	                   std::to_string(split.validation) + ", testing on " + std::to_string(split.test) + " (of " +
	                   info.topic_ranges + ")";
	spdlog::info("result {}: {}", result_id, training_on);
	control.training_detail(result_id, training_on);
	// The model checks its data against itself (labels against the loss,
	// widths): a mismatch is the user's to fix, not a crash to restart
	// five times, re-reading the stream each time.
	ml::FitResult history;
	try {
		history = model.fit(train_x, train_y, fit, split.validation ? &val_x : nullptr,
		                    split.validation ? &val_y : nullptr, on_epoch);
	} catch (const std::invalid_argument &e) {
		throw UserError(std::string("the model does not fit its training stream: ") + e.what());
	}
	if (stop_requested) {
		throw Cancelled{};
	}

	TrainingReport report;
	report.training_seconds = history.seconds;
	report.epochs = static_cast<int64_t>(history.history.size());
	if (!history.history.empty()) {
		report.train = history.history.back().train;
	}
	report.samples_train = split.train;
	report.samples_validation = split.validation;
	report.samples_test = split.test;
	auto eval_batch = assignment.evaluate.batch_size.value_or(*fit.batch_size);
	if (split.validation > 0) {
		report.validation = model.evaluate(val_x, val_y, eval_batch);
	}
	if (split.test > 0) {
		report.test = model.evaluate(test_x, test_y, eval_batch);
	}
	if (is_classifier(spec)) {
		if (split.validation > 0) {
			report.confusion_matrix = confusion_matrix(model, val_x, val_y, eval_batch);
		} else if (split.test > 0) {
			report.confusion_matrix = confusion_matrix(model, test_x, test_y, eval_batch);
		} else {
			report.confusion_matrix = confusion_matrix(model, train_x, train_y, eval_batch);
		}
	}
	if (model.stage_count() > 1 && split.validation + split.test > 0) {
		report.exits = split.validation > 0
		                   ? model.exit_report(val_x, val_y, ml::default_exit_thresholds(), eval_batch)
		                   : model.exit_report(test_x, test_y, ml::default_exit_thresholds(), eval_batch);
	}
	control.training_finished(result_id, report, model.save());
	spdlog::info("result {}: finished in {:.2f} s of training", result_id, report.training_seconds);
	return JobOutcome::finished;
}

} // namespace

JobOutcome run_training_job(int64_t result_id, const TrainingJobEnvironment &env) {
	try {
		return train(result_id, env);
	} catch (const Cancelled &) {
		spdlog::info("result {}: stopped on request", result_id);
		env.coordinator->training_stopped(result_id, std::nullopt);
		return JobOutcome::stopped;
	} catch (const std::exception &e) {
		if (failure_action(e) == FailureAction::restart) {
			spdlog::error("result {}: {}; exiting to be restarted", result_id, e.what());
			throw;
		}
		spdlog::error("result {}: {}", result_id, e.what());
		env.coordinator->training_failed(result_id, e.what());
		return JobOutcome::failed;
	}
}

} // namespace kafkaml::workers
