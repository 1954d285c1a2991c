#include "stream/data_sink.h"

#include "formats/avro_codec.h"
#include "formats/raw_codec.h"
#include "stream/kafka_sink.h"
#include "stream/stream_error.h"

namespace kafkaml::stream {
namespace {

//! Delivery tag of the control record; data records are tagged by their index.
constexpr uint64_t kControlTag = UINT64_MAX;

} // namespace

DataSink::DataSink(DataSinkOptions options, std::string input_format, nlohmann::json input_config,
                   std::unique_ptr<Sink> sink)
    : options_(std::move(options)), input_format_(std::move(input_format)), input_config_(std::move(input_config)),
      sink_(sink ? std::move(sink)
                 : std::make_unique<KafkaSink>(options_.kafka,
                                               std::vector<std::string>{options_.topic, options_.control_topic})) {
	if (options_.topic.empty()) {
		throw StreamError("no data topic given", ErrorKind::user);
	}
	if (options_.partitions.empty()) {
		options_.partitions.push_back(0);
	}
	sink_->set_delivery_callback([this](const Delivery &delivery) { on_delivery(delivery); });
}

void DataSink::on_delivery(const Delivery &delivery) {
	if (delivery.tag == kControlTag) {
		if (!delivery.ok()) {
			first_error_ = "control message: " + delivery.error;
		}
		return;
	}
	if (!delivery.ok()) {
		if (first_error_.empty()) {
			first_error_ = delivery.error;
		}
		return;
	}
	delivered_++;
	auto [it, inserted] = offsets_.try_emplace(delivery.partition, delivery.offset, delivery.offset);
	if (!inserted) {
		it->second.first = std::min(it->second.first, delivery.offset);
		it->second.second = std::max(it->second.second, delivery.offset);
	}
}

void DataSink::check_failure() const {
	if (!first_error_.empty()) {
		throw StreamError("a record of the stream was not delivered (" + first_error_ +
		                  "); the stream is incomplete, send it again");
	}
}

void DataSink::send_encoded(std::string_view value, std::optional<std::string_view> key) {
	check_failure();
	OutRecord record;
	record.topic = options_.topic;
	record.partition = options_.partitions[static_cast<size_t>(queued_) % options_.partitions.size()];
	record.key = key;
	record.value = value;
	record.tag = static_cast<uint64_t>(queued_);
	sink_->produce(record);
	queued_++;
	if ((queued_ & 1023) == 0) {
		sink_->poll(std::chrono::milliseconds(0));
	}
}

void DataSink::send(std::span<const float> data, std::span<const float> label) {
	value_buffer_.clear();
	encode_data(data, value_buffer_);
	if (label.empty()) {
		send_encoded(value_buffer_, std::nullopt);
		return;
	}
	key_buffer_.clear();
	encode_label(label, key_buffer_);
	send_encoded(value_buffer_, std::string_view(key_buffer_));
}

void DataSink::flush(std::chrono::milliseconds timeout) {
	sink_->flush(timeout);
	check_failure();
}

std::vector<formats::Range> DataSink::ranges() const {
	std::vector<formats::Range> out;
	for (const auto &[partition, span] : offsets_) {
		out.push_back({options_.topic, partition, span.first, span.second + 1});
	}
	return out;
}

formats::ControlMessage DataSink::send_control(std::chrono::milliseconds timeout) {
	flush(timeout);
	formats::ControlMessage control;
	control.deployment_id = options_.deployment_id;
	control.ranges = ranges();
	control.input_format = input_format_;
	control.input_config = input_config_;
	control.description = options_.description;
	control.validation_rate = options_.validation_rate;
	control.test_rate = options_.test_rate;
	control.total_msg = formats::total_messages(control.ranges);
	if (control.total_msg != delivered_) {
		// Someone else wrote into our partitions meanwhile: the ranges would
		// include foreign records.
		throw StreamError("the data topic " + options_.topic + " received other records while this stream was sent (" +
		                  std::to_string(control.total_msg) + " offsets for " + std::to_string(delivered_) +
		                  " records); send to a topic of its own");
	}
	produce_control(control, timeout);
	return control;
}

formats::ControlMessage DataSink::send_online_control(std::chrono::milliseconds timeout) {
	if (queued_ > 0) {
		throw StreamError("the online control message goes before the stream's records; " + std::to_string(queued_) +
		                  " were sent already");
	}
	formats::ControlMessage control;
	control.deployment_id = options_.deployment_id;
	control.online_topic = options_.topic;
	control.input_format = input_format_;
	control.input_config = input_config_;
	control.description = options_.description;
	control.validation_rate = options_.validation_rate;
	control.test_rate = options_.test_rate;
	produce_control(control, timeout);
	return control;
}

void DataSink::produce_control(const formats::ControlMessage &control, std::chrono::milliseconds timeout) {
	auto key = control.encode_key();
	auto value = control.encode_value();
	OutRecord record;
	record.topic = options_.control_topic;
	record.partition = -1;
	record.key = std::string_view(key);
	record.value = value;
	record.tag = kControlTag;
	sink_->produce(record);
	flush(timeout);
}

RawSink::RawSink(DataSinkOptions options, formats::DType data_type, formats::Shape data_reshape,
                 formats::DType label_type, formats::Shape label_reshape, std::unique_ptr<Sink> sink)
    : DataSink(std::move(options), "RAW",
               nlohmann::json{{"data_type", formats::dtype_name(data_type)},
                              {"label_type", formats::dtype_name(label_type)},
                              {"data_reshape", data_reshape.to_string()},
                              {"label_reshape", label_reshape.to_string()}},
               std::move(sink)),
      data_type_(data_type), data_reshape_(std::move(data_reshape)), label_type_(label_type),
      label_reshape_(std::move(label_reshape)) {}

namespace {

//! Every consumer rejects a message whose size does not match the reshape
//! the control message declares: refuse it before it is in the log.
void check_count(const char *what, const formats::Shape &reshape, size_t count) {
	if (reshape.empty() || static_cast<int64_t>(count) == reshape.elements()) {
		return;
	}
	throw StreamError(std::string("RawSink: a ") + what + " of " + std::to_string(count) +
	                      " values does not match its " + what + "_reshape '" + reshape.to_string() + "' (" +
	                      std::to_string(reshape.elements()) +
	                      " values); send rows of that size or declare another reshape",
	                  ErrorKind::user);
}

} // namespace

void RawSink::encode_data(std::span<const float> data, std::string &out) const {
	check_count("data", data_reshape_, data.size());
	formats::encode_raw(data_type_, data, out);
}

void RawSink::encode_label(std::span<const float> label, std::string &out) const {
	check_count("label", label_reshape_, label.size());
	formats::encode_raw(label_type_, label, out);
}

namespace {

nlohmann::json avro_config(const formats::AvroSchema &data, const std::optional<formats::AvroSchema> &label) {
	nlohmann::json config = {{"data_scheme", data.text()}};
	if (label) {
		config["label_scheme"] = label->text();
	}
	return config;
}

} // namespace

AvroSink::AvroSink(DataSinkOptions options, formats::AvroSchema data_scheme,
                   std::optional<formats::AvroSchema> label_scheme, std::unique_ptr<Sink> sink)
    : DataSink(std::move(options), "AVRO", avro_config(data_scheme, label_scheme), std::move(sink)),
      data_scheme_(std::move(data_scheme)), label_scheme_(std::move(label_scheme)) {}

void AvroSink::encode_data(std::span<const float> data, std::string &out) const {
	formats::encode_avro(data_scheme_, data, out);
}

void AvroSink::encode_label(std::span<const float> label, std::string &out) const {
	if (!label_scheme_) {
		throw StreamError("this AvroSink has no label scheme; send rows without a label", ErrorKind::user);
	}
	formats::encode_avro(*label_scheme_, label, out);
}

} // namespace kafkaml::stream
