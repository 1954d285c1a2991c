#include "workers/continual_training.h"

#include "common/error.h"
#include "formats/format_error.h"
#include "stream/stream_error.h"
#include "workers/drift_watch.h"
#include "workers/training_model.h"
#include "workers/version_rule.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

namespace kafkaml::workers {
namespace {

using Clock = std::chrono::steady_clock;

//! How long a poll waits for records; a window with records in it is
//! learned from once a poll comes back empty (the stream paused).
constexpr auto kPollWait = std::chrono::milliseconds(200);

//! What the names of prequential metrics start with, in reports and versions.
constexpr std::string_view kPrequential = "prequential_";

//! Metrics weighted by the records they were measured on, over every
//! window so far: the prequential metrics of the whole stream.
class PrequentialTotals {
public:
	void add(const ml::MetricValues &values, int64_t records) {
		for (const auto &[name, value] : values) {
			auto found = std::find_if(sums_.begin(), sums_.end(), [&](const auto &sum) { return sum.first == name; });
			if (found == sums_.end()) {
				sums_.emplace_back(name, 0.0);
				found = sums_.end() - 1;
			}
			found->second += value * static_cast<double>(records);
		}
		records_ += records;
	}
	ml::MetricValues means() const {
		ml::MetricValues out;
		for (const auto &[name, sum] : sums_) {
			out.emplace_back(name, records_ ? sum / static_cast<double>(records_) : 0.0);
		}
		return out;
	}
	int64_t records() const { return records_; }
	//! Carries on from `means` over `records` (a resumed run).
	void restore(const ml::MetricValues &means, const std::string &prefix, int64_t records) {
		sums_.clear();
		for (const auto &[name, mean] : means) {
			auto bare = name.starts_with(prefix) ? name.substr(prefix.size()) : name;
			sums_.emplace_back(bare, mean * static_cast<double>(records));
		}
		records_ = records;
	}

private:
	ml::MetricValues sums_;
	int64_t records_ = 0;
};

void append(ml::MetricValues &to, const ml::MetricValues &values, const std::string &prefix = "") {
	for (const auto &[name, value] : values) {
		to.emplace_back(prefix + name, value);
	}
}

//! The window loop. Model versions are cut after each window's report
//! (cut_version), the offsets after what a version learned are committed
//! once it is stored, and the prequential error is watched for drift
//! (watch_drift).
class ContinualTraining {
public:
	ContinualTraining(int64_t result_id, const TrainingJobEnvironment &env, ContinualStart start)
	    : result_id_(result_id), env_(env), start_(std::move(start)), options_(start_.assignment.continual),
	      drift_(options_) {
		fit_ = start_.assignment.fit;
		if (!fit_.batch_size) {
			fit_.batch_size = start_.assignment.batch;
		}
		fit_.verbose = 0;
		eval_batch_ = start_.assignment.evaluate.batch_size.value_or(*fit_.batch_size);
		rule_.metric = options_.monitoring_metric;
		rule_.higher_is_better = options_.change == "up";
		rule_.improvement = options_.improvement;
		rule_.every_records = options_.version_every_records;
		next_version_ = options_.next_version;
		if (options_.resume) {
			resume(*options_.resume);
		}
	}

	JobOutcome run() {
		const auto &stream = start_.stream;
		source_ = stream.online() ? env_.open_online(stream.online_topic, stream.timestamp_ms, learned_offsets())
		                          : env_.open_ranges(ranges_left());
		env_.coordinator->training_detail(result_id_, plan());
		spdlog::info("result {}: {}", result_id_, plan());
		auto window_size = static_cast<size_t>(std::max<int64_t>(1, options_.window_size));
		auto last_record = Clock::now();
		std::vector<stream::Record> records;
		for (;;) {
			if (cancelled()) {
				return stop();
			}
			records.clear();
			bool more = true;
			try {
				more = source_->poll_batch(records, window_size - window_.rows, kPollWait);
			} catch (const stream::RangeError &e) {
				throw UserError(std::string("the training stream cannot be read: ") + e.what());
			}
			for (const auto &record : records) {
				take(record);
			}
			if (skipped_ != skipped_reported_) {
				env_.coordinator->training_detail(result_id_, plan());
				skipped_reported_ = skipped_;
			}
			auto now = Clock::now();
			if (!records.empty()) {
				last_record = now;
			}
			bool due = window_.rows >= window_size || (window_.rows > 0 && (records.empty() || !more));
			if (due && !learn()) {
				return stop();
			}
			if (!more) {
				return finish("the stream's ranges ended");
			}
			if (options_.mode == TrainingMode::incremental && records.empty() &&
			    now - last_record >= options_.stream_timeout) {
				return finish("no record came for " + std::to_string(options_.stream_timeout.count()) +
				              " ms (stream_timeout)");
			}
		}
	}

private:
	bool cancelled() const { return env_.cancelled && env_.cancelled(); }

	//! Carries on from the result's last version, as an earlier run of this
	//! job (killed) stored it: its model, the windows, records and
	//! prequential sums it counted, and the offsets after what it learned,
	//! so that no record is learned or counted twice, nor skipped; and its
	//! training state (optimizer, learning-rate factor, random generator),
	//! so that the model learns on as the killed run's would have.
	void resume(const ResumePoint &from) {
		try {
			model_.emplace(ml::Model::load(from.model_blob));
		} catch (const std::invalid_argument &e) {
			throw UserError("version " + std::to_string(from.version) +
			                " of this result, which a restarted job resumes from, cannot be loaded: " + e.what());
		}
		resume_training_state(from);
		windows_ = from.position.epoch;
		prequential_.restore(from.position.prequential, std::string(kPrequential), from.records);
		training_seconds_ = from.position.training_seconds;
		for (const auto &offset : from.position.offsets) {
			positions_[{offset.topic, offset.partition}] = offset.offset;
		}
		learned_positions_ = positions_;
		ml::MetricValues scores; // as the model reports them: the version's without the prefix
		for (const auto &[name, value] : from.metrics) {
			scores.emplace_back(name.starts_with(kPrequential) ? name.substr(kPrequential.size()) : name, value);
		}
		if (auto value = monitored_value(scores, rule_.metric)) {
			last_version_ = VersionMark{*value, from.records};
		}
		last_version_records_ = from.records;
		next_version_ = std::max(next_version_, from.version + 1);
		spdlog::info("result {}: resuming from version {} after {} records in {} windows", result_id_, from.version,
		             from.records, windows_);
	}

	//! Without the version's training state (a version stored before them,
	//! or one this model cannot take) the run goes on with a fresh
	//! optimizer: what it learned stays in the weights.
	void resume_training_state(const ResumePoint &from) {
		if (from.training_state.empty()) {
			spdlog::info("result {}: version {} has no training state; resuming with a fresh optimizer", result_id_,
			             from.version);
			return;
		}
		try {
			model_->load_training_state(from.training_state);
		} catch (const std::invalid_argument &e) {
			spdlog::warn("result {}: the training state of version {} does not fit its model ({}); resuming with a "
			             "fresh optimizer",
			             result_id_, from.version, e.what());
			return;
		}
		drift_.resume(model_->learning_rate_factor());
	}

	//! Per partition, the offset after the last record of a learned window.
	std::vector<stream::TopicPartitionOffset> learned_offsets() const {
		std::vector<stream::TopicPartitionOffset> out;
		for (const auto &[partition, offset] : learned_positions_) {
			out.push_back({partition.first, partition.second, offset});
		}
		return out;
	}

	//! The control message's ranges without what a resumed run learned.
	std::vector<formats::Range> ranges_left() const {
		std::vector<formats::Range> left;
		for (auto range : start_.stream.ranges) {
			if (auto learned = learned_positions_.find({range.topic, range.partition});
			    learned != learned_positions_.end()) {
				range.start = std::max(range.start, learned->second);
			}
			if (range.start < range.end) {
				left.push_back(range);
			}
		}
		return left;
	}

	std::string stream_text() const {
		return start_.stream.online() ? "the online stream of topic " + start_.stream.online_topic
		                              : "the ranges " + start_.stream.topic_field();
	}

	//! The result's detail while it learns.
	std::string plan() const {
		std::string text = "learning from " + stream_text() + " in windows of " + std::to_string(options_.window_size) +
		                   " records, each scored then trained on";
		text += options_.mode == TrainingMode::incremental
		            ? "; ends after " + std::to_string(options_.stream_timeout.count()) + " ms without a record"
		            : "; runs until stopped";
		if (const auto &resume = options_.resume) {
			text += "; resumed from version " + std::to_string(resume->version) + " after " +
			        std::to_string(resume->records) + " records";
		}
		if (skipped_ > 0) {
			text += "; " + std::to_string(skipped_) + " records skipped, the first " + first_skipped_;
		}
		return text;
	}

	//! Decodes a record into the window. One that cannot be decoded, does
	//! not have the model's width or holds a missing or infinite value is
	//! skipped: a live stream goes on past one bad record.
	void take(const stream::Record &record) {
		positions_[{record.topic, record.partition}] = record.offset + 1;
		size_t features = window_.features.size(), labels = window_.labels.size(), rows = window_.rows;
		std::string problem;
		try {
			start_.decoder.decode(record.view(), window_, true);
		} catch (const formats::FormatError &e) {
			problem = e.what();
		}
		auto finite = [](const std::vector<float> &values, size_t from) {
			return std::all_of(values.begin() + static_cast<std::ptrdiff_t>(from), values.end(),
			                   [](float v) { return std::isfinite(v); });
		};
		if (problem.empty() && (!finite(window_.features, features) || !finite(window_.labels, labels))) {
			problem = "a missing (null or NaN) or infinite value";
			window_.features.resize(features);
			window_.labels.resize(labels);
			window_.rows = rows;
		}
		if (problem.empty()) {
			return;
		}
		if (skipped_++ == 0) {
			first_skipped_ = "at " + record.topic + " partition " + std::to_string(record.partition) + " offset " +
			                 std::to_string(record.offset) + ": " + problem;
		}
	}

	//! The first window's records give the model its input shape.
	//! A resumed run's model is the version's, already there.
	void prepare_model() {
		input_shape_ =
		    bind_model_input(start_.spec, start_.torchscript, start_.stream, window_.feature_width, result_id_);
		if (window_.label_width > 1) {
			label_shape_ = {static_cast<int64_t>(window_.label_width)};
		}
		bound_ = true;
		if (!model_) {
			model_.emplace(
			    build_training_model(start_.spec, start_.assignment, fit_, start_.torchscript, input_shape_));
		}
		// Later records of another width are skipped rather than fail a window.
		window_.required_feature_width = window_.feature_width;
	}

	//! Test-then-train on the window, reported as one entry of the epoch
	//! series. Returns false when a stop was asked.
	bool learn() {
		if (!bound_) {
			prepare_model();
		}
		auto rows = static_cast<int64_t>(window_.rows);
		auto x = rows_of(window_.features, window_.feature_width, 0, rows, input_shape_);
		auto y = rows_of(window_.labels, window_.label_width, 0, rows, label_shape_);
		ml::MetricValues scores;
		ml::FitResult fitted;
		drift_.prepare(*model_);
		double learning_rate = model_->learning_rate();
		try {
			scores = model_->evaluate(x, y, eval_batch_);
			fitted = model_->fit(x, y, fit_, nullptr, nullptr, [this](const ml::EpochLog &) { return !cancelled(); });
		} catch (const std::invalid_argument &e) {
			throw UserError(std::string("the model does not fit its training stream: ") + e.what());
		}
		if (cancelled()) {
			return false;
		}
		windows_++;
		training_seconds_ += fitted.seconds;
		prequential_.add(scores, rows);
		last_train_ = fitted.history.empty() ? ml::MetricValues{} : fitted.history.back().train;
		last_scores_ = scores;
		learned_positions_ = positions_;
		window_.clear();

		ml::EpochLog entry;
		entry.epoch = windows_;
		entry.train = {{"records", static_cast<double>(prequential_.records())}};
		append(entry.train, scores, "prequential_");
		append(entry.train, last_train_);
		entry.train.emplace_back("learning_rate", learning_rate);
		entry.seconds = fitted.seconds;
		return env_.coordinator->training_epoch(result_id_, entry) && cut_version(scores) && watch_drift(scores, rows);
	}

	//! After a window was learned from: a drift of the prequential error is
	//! reported (drift_watch.h). Returns false when a stop was asked.
	bool watch_drift(const ml::MetricValues &scores, int64_t rows) {
		auto drift = drift_.observe(scores, rows, prequential_.records());
		if (!drift) {
			return true;
		}
		spdlog::info("result {}: drift after {} records: {} from {:.4f} to {:.4f}; response {}", result_id_,
		             drift->records, drift->measure, drift->error_before, drift->error_after,
		             to_string(drift->response));
		return env_.coordinator->training_drift(result_id_, *drift);
	}

	//! After a window was learned from: a new model version when the rule
	//! (version_rule.h) says so. Returns false when a stop was asked.
	bool cut_version(const ml::MetricValues &scores) {
		auto value = monitored_value(scores, rule_.metric);
		if (!value) {
			std::string names;
			for (const auto &[name, score] : scores) {
				names += (names.empty() ? "" : ", ") + name;
			}
			throw UserError("monitoring_metric \"" + rule_.metric + "\" is not a metric of this model, which reports " +
			                names + "; deploy again monitoring one of them");
		}
		auto records = prequential_.records();
		auto cut = version_cut(rule_, last_version_, *value, records);
		if (cut == VersionCut::none) {
			return true;
		}
		return store_version(cut, scores, *value);
	}

	//! The model as version next_version_ with its training state, then the
	//! offsets after what it learned committed: never past a version that
	//! is not stored, so a restart resumes from a stored version and reads
	//! on after it. Returns false when a stop was asked (then nothing is
	//! committed: the result ended, no run resumes it).
	bool store_version(VersionCut cut, const ml::MetricValues &scores, std::optional<double> value) {
		auto records = prequential_.records();
		ModelVersion version{next_version_, records, {}, {}, model_->save(), model_->save_training_state()};
		append(version.metrics, scores, "prequential_");
		version.position.epoch = windows_;
		append(version.position.prequential, prequential_.means(), "prequential_");
		version.position.training_seconds = training_seconds_;
		version.position.offsets = learned_offsets();
		bool keep_going = env_.coordinator->training_version(result_id_, version);
		if (keep_going && !version.position.offsets.empty()) {
			source_->commit(version.position.offsets);
		}
		spdlog::info("result {}: version {} ({}) after {} records{}", result_id_, next_version_, to_string(cut),
		             records, value ? ", " + rule_.metric + " " + std::to_string(*value) : "");
		if (value) {
			last_version_ = VersionMark{*value, records};
		}
		last_version_records_ = records;
		next_version_++;
		return keep_going;
	}

	//! The model a run ends with is the result's latest version: cut when
	//! records were learned since the last one, whatever the rule says.
	void cut_last_version() {
		if (prequential_.records() > last_version_records_) {
			store_version(VersionCut::end, last_scores_, monitored_value(last_scores_, rule_.metric));
		}
	}

	JobOutcome finish(const std::string &why) {
		if (windows_ == 0) {
			throw UserError(skipped_ > 0 ? "no usable record came from " + stream_text() + ": " +
			                                   std::to_string(skipped_) + " skipped, the first " + first_skipped_
			                             : "no record came from " + stream_text() + ": " + why +
			                                   ". Send the stream after its control message (kafkaml send --online) "
			                                   "and deploy again");
		}
		cut_last_version();
		auto learned = report();
		learned.detail += "; ended as " + why;
		env_.coordinator->training_finished(result_id_, learned, model_->save());
		spdlog::info("result {}: {}", result_id_, learned.detail);
		return JobOutcome::finished;
	}

	//! A stopped continual training keeps what it learned, downloadable
	//! like a finished one's model (also an indefinite one's only way to
	//! end).
	JobOutcome stop() {
		std::optional<LearnedModel> learned;
		if (windows_ > 0) {
			cut_last_version();
			learned = LearnedModel{report(), model_->save()};
		}
		spdlog::info("result {}: stopped on request{}", result_id_, learned ? "; " + learned->report.detail : "");
		env_.coordinator->training_stopped(result_id_, learned);
		return JobOutcome::stopped;
	}

	//! The result's metrics: the last window's training metrics and the
	//! prequential ones over every record.
	TrainingReport report() const {
		TrainingReport report;
		report.train = last_train_;
		append(report.train, prequential_.means(), "prequential_");
		report.training_seconds = training_seconds_;
		report.epochs = windows_;
		report.samples_train = prequential_.records();
		report.detail = "learned from " + std::to_string(prequential_.records()) + " records in " +
		                std::to_string(windows_) + " windows (prequential " + ml::format_metrics(prequential_.means()) +
		                ")";
		return report;
	}

	int64_t result_id_;
	const TrainingJobEnvironment &env_;
	ContinualStart start_;
	const ContinualOptions &options_;
	ml::FitOptions fit_;
	int64_t eval_batch_ = 32;
	std::unique_ptr<stream::Source> source_;
	formats::Batch window_;
	std::optional<ml::Model> model_;
	bool bound_ = false; //!< input_shape_ and label_shape_ are the stream's
	ml::Shape input_shape_, label_shape_;
	int64_t windows_ = 0;
	PrequentialTotals prequential_;
	VersionRule rule_;
	std::optional<VersionMark> last_version_; //!< the reference of the rule
	int64_t last_version_records_ = 0;
	DriftWatch drift_;
	int64_t next_version_ = 1;
	ml::MetricValues last_train_;
	ml::MetricValues last_scores_; //!< the last window's prequential scores
	//! Per (topic, partition), the offset after the last record read, and
	//! after the last one of a learned window.
	std::map<std::pair<std::string, int32_t>, int64_t> positions_, learned_positions_;
	double training_seconds_ = 0;
	int64_t skipped_ = 0;
	int64_t skipped_reported_ = 0;
	std::string first_skipped_;
};

} // namespace

JobOutcome train_continually(int64_t result_id, const TrainingJobEnvironment &env, ContinualStart start) {
	ContinualTraining training(result_id, env, std::move(start));
	return training.run();
}

} // namespace kafkaml::workers
