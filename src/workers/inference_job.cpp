#include "workers/inference_job.h"

#include "formats/format_error.h"
#include "stream/stream_error.h"
#include "workers/carry_format.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kafkaml::workers {

void format_prediction(const float *values, size_t count, std::string &out) {
	out.clear();
	out += "{\"values\": [";
	for (size_t i = 0; i < count; ++i) {
		if (i) {
			out += ", ";
		}
		// JSON has no NaN/Infinity; null keeps the array's length.
		if (!std::isfinite(values[i])) {
			out += "null";
			continue;
		}
		fmt::format_to(std::back_inserter(out), "{}", values[i]);
	}
	out += "]}";
}

InferenceJob::InferenceJob(ml::Model &model, const formats::MessageDecoder &decoder, stream::Source &source,
                           stream::Sink &sink, InferenceJobConfig config)
    : model_(&model), forward_sink_(&sink), decoder_(&decoder), source_(source), sink_(sink),
      config_(std::move(config)),
      tracker_([this](const std::vector<stream::TopicPartitionOffset> &offsets) { source_.commit(offsets); }),
      last_commit_(std::chrono::steady_clock::now()) {
	sink_.set_delivery_callback([this](const stream::Delivery &delivery) { on_delivery(delivery); });
	bind_width(model_->input_shape());
	set_version(config_.model_version);
}

InferenceJob::InferenceJob(StageModel &stages, const formats::MessageDecoder *decoder, stream::Source &source,
                           stream::Sink &sink, InferenceJobConfig config)
    : stages_(&stages), forward_sink_(&sink), threshold_(config.threshold), exit_text_(std::to_string(config.stage)),
      decoder_(decoder), source_(source), sink_(sink), config_(std::move(config)),
      tracker_([this](const std::vector<stream::TopicPartitionOffset> &offsets) { source_.commit(offsets); }),
      last_commit_(std::chrono::steady_clock::now()) {
	if (config_.stage >= stages_->stage_count()) {
		throw std::invalid_argument("stage " + std::to_string(config_.stage) + " of a model with " +
		                            std::to_string(stages_->stage_count()) + " stage(s)");
	}
	if (config_.stage == 0 && !decoder_) {
		throw std::invalid_argument("stage 0 reads the inference's input: it needs its decoder");
	}
	if (config_.next_topic.empty() != (config_.stage + 1 == stages_->stage_count())) {
		throw std::invalid_argument("stage " + std::to_string(config_.stage) +
		                            (config_.next_topic.empty() ? " is not the last: it needs the next stage's topic"
		                                                        : " is the last: it forwards nothing"));
	}
	sink_.set_delivery_callback([this](const stream::Delivery &delivery) { on_delivery(delivery); });
	bind_width(stages_->stage_input_shape(config_.stage));
	set_version(config_.model_version);
}

void InferenceJob::forward_to(stream::Sink &sink) {
	forward_sink_ = &sink;
	forward_sink_->set_delivery_callback([this](const stream::Delivery &delivery) { on_delivery(delivery); });
}

// Each input is checked against what the model takes as it is decoded: one
// input of another width goes to the dead letters alone, with the reason,
// instead of failing the batch it came in.
void InferenceJob::bind_width(const ml::Shape &shape) {
	int64_t width = 1;
	for (auto dimension : shape) {
		width *= dimension;
	}
	rows_.required_feature_width = width > 0 ? static_cast<size_t>(width) : 0;
}

void InferenceJob::set_version(std::optional<int64_t> version) {
	version_ = version;
	version_text_ = version ? std::to_string(*version) : std::string();
	counters_.model_version.store(version.value_or(-1), std::memory_order_relaxed);
}

void InferenceJob::adopt_new_model() {
	if (!rollout_ || !model_) {
		return;
	}
	auto next = rollout_->take();
	if (!next) {
		return;
	}
	if (next->model.input_shape() != model_->input_shape()) {
		// Versions of one result share their architecture; anything else
		// would turn every input into a dead letter.
		spdlog::error("inference: not serving {}: it takes inputs of another shape than the model served",
		              next->target.version ? "version " + std::to_string(*next->target.version) : "the new model");
		return;
	}
	owned_model_ = std::make_unique<ml::Model>(std::move(next->model));
	model_ = owned_model_.get();
	set_version(next->target.version);
	spdlog::info("inference: now serving {}",
	             version_ ? "version " + std::to_string(*version_) : std::string("the trained model"));
}

uint64_t InferenceJob::remember(const stream::Record &record) {
	auto tag = next_tag_++;
	pending_.emplace(tag, Pending{record.topic, record.partition, record.offset});
	return tag;
}

void InferenceJob::on_delivery(const stream::Delivery &delivery) {
	auto it = pending_.find(delivery.tag);
	if (it == pending_.end()) {
		return;
	}
	if (!delivery.ok() && delivery.too_large) {
		// Sending it again would fail again: not a reason to stop serving.
		auto origin = it->second;
		pending_.erase(it);
		if (origin.dead_letter) {
			skip(origin.topic, origin.partition, origin.offset,
			     "its dead letter was refused by the cluster for its size: " + delivery.error);
			return;
		}
		output_too_large(origin.topic, origin.partition, origin.offset, delivery.error);
		return;
	}
	if (!delivery.ok()) {
		// Not marked done: the input stays uncommitted and is predicted
		// again by whoever reads it next.
		if (delivery_error_.empty()) {
			delivery_error_ = "output of " + it->second.topic + "/" + std::to_string(it->second.partition) + "@" +
			                  std::to_string(it->second.offset) + " was not delivered: " + delivery.error;
		}
		pending_.erase(it);
		return;
	}
	tracker_.done(it->second.topic, it->second.partition, it->second.offset);
	pending_.erase(it);
}

void InferenceJob::skip(const std::string &topic, int32_t partition, int64_t offset, const std::string &why) {
	spdlog::error("inference: skipping {}/{}@{}: {}", topic, partition, offset, why);
	counters_.skipped.fetch_add(1, std::memory_order_relaxed);
	tracker_.done(topic, partition, offset);
}

void InferenceJob::produce_for(stream::Sink &sink, const stream::OutRecord &out, uint64_t tag) {
	try {
		sink.produce(out);
	} catch (const stream::RecordTooLarge &e) {
		auto origin = pending_.at(tag);
		pending_.erase(tag);
		if (origin.dead_letter) {
			skip(origin.topic, origin.partition, origin.offset, e.what());
			return;
		}
		output_too_large(origin.topic, origin.partition, origin.offset, e.what());
	}
}

void InferenceJob::dead_letter(const stream::Record &record, const std::string &error) {
	std::string source = record.topic + "/" + std::to_string(record.partition) + "@" + std::to_string(record.offset);
	std::vector<stream::Header> headers = record.headers;
	headers.push_back({kErrorHeader, error});
	headers.push_back({kSourceHeader, source});
	stream::OutRecord out;
	out.topic = config_.dead_letter_topic;
	if (record.key) {
		out.key = std::string_view(*record.key);
	}
	out.value = record.value;
	out.headers = headers;
	size_t limit = sink_.max_record_size();
	if (stream::record_size(out) > limit) {
		// What fits, most useful first: the reason and the origin, then the
		// head of the value. The input's own headers and key go; the
		// origin says where to find them.
		headers = {{kErrorHeader, error.substr(0, 4096)}, {kSourceHeader, source}, {kTruncatedHeader, ""}};
		out.key.reset();
		out.value = {};
		out.headers = headers;
		// Room for the value, less what kafkaml.truncated will say.
		constexpr size_t kTruncationNote = 128;
		size_t used = stream::record_size(out) + kTruncationNote;
		size_t room = limit > used ? limit - used : 0;
		out.value = std::string_view(record.value).substr(0, room);
		headers.back().value = "value: " + std::to_string(out.value.size()) + " of " +
		                       std::to_string(record.value.size()) + " bytes kept; key and input headers dropped";
	}
	auto tag = remember(record);
	pending_.at(tag).dead_letter = true;
	out.tag = tag;
	counters_.dead_lettered.fetch_add(1, std::memory_order_relaxed);
	produce_for(sink_, out, tag);
}

void InferenceJob::output_too_large(const std::string &topic, int32_t partition, int64_t offset,
                                    const std::string &why) {
	stream::Record origin;
	origin.topic = topic;
	origin.partition = partition;
	origin.offset = offset;
	dead_letter(origin, "its prediction was refused by the cluster for its size (" + why +
	                        "); the input is not repeated here: read it at kafkaml.source");
}

void InferenceJob::decode(const stream::Record &record) {
	if (config_.stage == 0) {
		decoder_->decode(record.view(), rows_, false);
		return;
	}
	decode_carry(record.value, rows_.required_feature_width, rows_.features);
	rows_.rows += 1;
	rows_.feature_width = rows_.required_feature_width;
}

void InferenceJob::process(std::vector<stream::Record> &records) {
	rows_.clear();
	row_record_.clear();
	for (size_t i = 0; i < records.size(); ++i) {
		const auto &record = records[i];
		tracker_.begin(record.topic, record.partition, record.offset);
		try {
			decode(record);
			row_record_.push_back(i);
		} catch (const formats::FormatError &e) {
			dead_letter(record, e.what());
		}
	}
	counters_.consumed.fetch_add(records.size(), std::memory_order_relaxed);
	if (rows_.rows == 0) {
		return;
	}
	if (stages_) {
		run_stage_rows(records);
	} else {
		predict_rows(records);
	}
}

// The whole batch failed (e.g. rows of the wrong width for the model):
// every record is a dead letter with the reason.
void InferenceJob::dead_letter_rows(std::vector<stream::Record> &records, const std::string &why) {
	for (auto index : row_record_) {
		dead_letter(records[index], why);
	}
}

void InferenceJob::predict_rows(std::vector<stream::Record> &records) {
	ml::Array input;
	input.shape = model_->input_shape();
	input.shape.insert(input.shape.begin(), static_cast<int64_t>(rows_.rows));
	input.data = std::move(rows_.features);
	ml::Array output;
	try {
		output = model_->predict(input);
	} catch (const std::exception &e) {
		rows_.features = std::move(input.data);
		dead_letter_rows(records, std::string("prediction failed: ") + e.what());
		return;
	}
	rows_.features = std::move(input.data); // keep the capacity
	auto width = static_cast<size_t>(output.row_size());
	for (size_t row = 0; row < row_record_.size(); ++row) {
		answer(records[row_record_[row]], &output.data[row * width], width);
	}
	counters_.predicted.fetch_add(row_record_.size(), std::memory_order_relaxed);
}

void InferenceJob::run_stage_rows(std::vector<stream::Record> &records) {
	ml::Array input;
	input.shape = stages_->stage_input_shape(config_.stage);
	input.shape.insert(input.shape.begin(), static_cast<int64_t>(rows_.rows));
	input.data = std::move(rows_.features);
	StageResult result;
	try {
		result = stages_->run_stage(config_.stage, input);
	} catch (const std::exception &e) {
		rows_.features = std::move(input.data);
		dead_letter_rows(records, "stage " + exit_text_ + " failed: " + e.what());
		return;
	}
	rows_.features = std::move(input.data);
	auto exit_width = static_cast<size_t>(result.exit.row_size());
	bool last = config_.next_topic.empty();
	ml::Shape carry_shape;
	size_t carry_width = 0;
	if (!last) {
		carry_shape.assign(result.carry.shape.begin() + 1, result.carry.shape.end());
		carry_width = static_cast<size_t>(result.carry.row_size());
	}
	// One threshold for the whole batch. Compared in float32, as the
	// training's exit table does, so that its shares are what a chain at
	// that threshold answers.
	auto threshold = static_cast<float>(threshold_.load(std::memory_order_relaxed));
	uint64_t answered = 0;
	for (size_t row = 0; row < row_record_.size(); ++row) {
		const auto &record = records[row_record_[row]];
		const float *exit = &result.exit.data[row * exit_width];
		if (last || ml::exit_confidence(exit, exit_width, config_.confidence) >= threshold) {
			answer(record, exit, exit_width);
			++answered;
		} else {
			forward(record, &result.carry.data[row * carry_width], carry_shape);
		}
	}
	counters_.predicted.fetch_add(answered, std::memory_order_relaxed);
	counters_.forwarded.fetch_add(row_record_.size() - answered, std::memory_order_relaxed);
}

namespace {

//! An output for `record` on `topic` holding `value`, with the input's key
//! and headers (keyed inputs keep their partition affinity).
stream::OutRecord reply_to(const stream::Record &record, const std::string &topic, std::string_view value) {
	stream::OutRecord out;
	out.topic = topic;
	if (record.key) {
		out.key = std::string_view(*record.key);
	}
	out.value = value;
	out.headers = record.headers;
	return out;
}

} // namespace

void InferenceJob::answer(const stream::Record &record, const float *values, size_t count) {
	format_prediction(values, count, json_);
	auto out = reply_to(record, config_.output_topic, json_);
	if (version_ || stages_) {
		// Assigning over the previous prediction's headers reuses their storage.
		headers_.assign(record.headers.begin(), record.headers.end());
		if (version_) {
			headers_.push_back({kModelVersionHeader, version_text_});
		}
		if (stages_) {
			headers_.push_back({kExitHeader, exit_text_});
		}
		out.headers = headers_;
	}
	out.tag = remember(record);
	produce_for(sink_, out, out.tag);
}

// The input's key and headers go along, so the stage that answers gives
// them back as a whole model would.
void InferenceJob::forward(const stream::Record &record, const float *carry, const ml::Shape &shape) {
	encode_carry(carry, shape, carry_);
	auto out = reply_to(record, config_.next_topic, carry_);
	out.tag = remember(record);
	produce_for(*forward_sink_, out, out.tag);
}

void InferenceJob::commit_if_due(bool force) {
	auto now = std::chrono::steady_clock::now();
	if (!force && now - last_commit_ < config_.commit_interval) {
		return;
	}
	last_commit_ = now;
	tracker_.commit();
}

void InferenceJob::release_partition(const std::string &topic, int32_t partition, std::chrono::milliseconds grace) {
	try {
		sink_.flush(grace);
		if (forward_sink_ != &sink_) {
			forward_sink_->flush(grace);
		}
	} catch (const stream::StreamError &e) {
		// What is still unacknowledged is repeated by the next owner.
		spdlog::warn("inference: {}/{} revoked with outputs in flight: {}", topic, partition, e.what());
	}
	tracker_.release(topic, partition);
}

void InferenceJob::run(const std::function<bool()> &cancelled) {
	std::vector<stream::Record> records;
	records.reserve(config_.max_batch);
	bool more = true;
	while (more && !(cancelled && cancelled())) {
		records.clear();
		// While outputs are in flight, come back soon for their
		// acknowledgements: an input is committed as soon as its output is
		// acknowledged, so a replica killed mid-stream makes the next one
		// repeat only what was in flight, not a whole interval of work.
		bool owed = !pending_.empty() || tracker_.has_uncommitted();
		auto wait = owed ? config_.ack_poll : config_.poll_timeout;
		more = source_.poll_batch(records, config_.max_batch, wait);
		// Idle or not: a replica reports the version it serves once it took it.
		adopt_new_model();
		if (!records.empty()) {
			process(records);
		}
		sink_.poll(std::chrono::milliseconds(0));
		if (forward_sink_ != &sink_) {
			forward_sink_->poll(std::chrono::milliseconds(0));
		}
		if (!delivery_error_.empty()) {
			break;
		}
		commit_if_due(false);
	}
	try {
		sink_.flush(std::chrono::seconds(30));
		if (forward_sink_ != &sink_) {
			forward_sink_->flush(std::chrono::seconds(30));
		}
	} catch (const stream::StreamError &e) {
		spdlog::warn("inference: flush at shutdown: {}", e.what());
	}
	commit_if_due(true);
	if (!delivery_error_.empty()) {
		throw stream::StreamError(delivery_error_);
	}
}

} // namespace kafkaml::workers
