#pragma once

#include "formats/avro_schema.h"
#include "formats/control_message.h"
#include "formats/dtype.h"
#include "formats/shape.h"
#include "stream/io.h"
#include "stream/kafka_client.h"

#include <memory>
#include <optional>
#include <span>

namespace kafkaml::stream {

struct DataSinkOptions {
	KafkaConfig kafka;
	std::string topic;
	int64_t deployment_id = 0;
	std::string control_topic = "control";
	std::string description;
	double validation_rate = 0;
	double test_rate = 0;
	//! Partitions to spread records over (round robin); empty = partition 0,
	//! like the original's single-partition streams.
	std::vector<int32_t> partitions;
};

//! Sends a labelled data stream and then its control message, like the
//! original's KafkaMLSink family: `send` per row, `send_control` (or
//! `close`) at the end. The start and end offset of each partition come from
//! the delivery reports, so the control message names exactly what the
//! broker acknowledged. A failed delivery ends the stream with StreamError:
//! a range with a hole would train on wrong data.
//! Thread: one thread.
class DataSink {
public:
	virtual ~DataSink() = default;

	//! Encodes and queues one row; `label` empty = no key (unlabeled, e.g.
	//! inference input).
	void send(std::span<const float> data, std::span<const float> label = {});
	//! Queues already-encoded bytes.
	void send_encoded(std::string_view value, std::optional<std::string_view> key);
	//! Waits for every delivery, then sends the control message on the
	//! control topic and waits for it. Returns what was sent.
	formats::ControlMessage send_control(std::chrono::milliseconds timeout = std::chrono::seconds(60));
	//! The original's online stream: sends the control message naming the
	//! bare topic ("total_msg": null, "incremental": true) and waits for it,
	//! before any row, so that every row sent afterwards is of the stream
	//! (the training job reads the topic from the control message's time
	//! on). Then `send` rows and `flush`, for as long as the source runs.
	formats::ControlMessage send_online_control(std::chrono::milliseconds timeout = std::chrono::seconds(60));
	//! Waits for every delivery (no control message: for inference input).
	void flush(std::chrono::milliseconds timeout = std::chrono::seconds(60));

	int64_t queued() const { return queued_; }
	int64_t delivered() const { return delivered_; }
	//! Ranges acknowledged so far, one per partition, in partition order.
	std::vector<formats::Range> ranges() const;
	//! What the control message says of the format ("RAW", {"data_type": ...}).
	const std::string &input_format() const { return input_format_; }
	const nlohmann::json &input_config() const { return input_config_; }

protected:
	DataSink(DataSinkOptions options, std::string input_format, nlohmann::json input_config,
	         std::unique_ptr<Sink> sink);
	virtual void encode_data(std::span<const float> data, std::string &out) const = 0;
	virtual void encode_label(std::span<const float> label, std::string &out) const = 0;

private:
	void on_delivery(const Delivery &delivery);
	//! Produces `control` on the control topic and waits for every delivery.
	void produce_control(const formats::ControlMessage &control, std::chrono::milliseconds timeout);
	void check_failure() const;

	DataSinkOptions options_;
	std::string input_format_;
	nlohmann::json input_config_;
	std::unique_ptr<Sink> sink_;
	std::map<int32_t, std::pair<int64_t, int64_t>> offsets_; //!< partition -> [min, max]
	std::string value_buffer_;
	std::string key_buffer_;
	std::string first_error_;
	int64_t queued_ = 0;
	int64_t delivered_ = 0;
};

//! RAW stream: numpy-style bytes of `data_type` / `label_type`. A row (or
//! label) must hold exactly as many values as its non-empty reshape says,
//! and a `string` type exactly one value; `send` throws otherwise.
class RawSink final : public DataSink {
public:
	//! `sink` null = a KafkaSink on options.kafka.
	RawSink(DataSinkOptions options, formats::DType data_type, formats::Shape data_reshape, formats::DType label_type,
	        formats::Shape label_reshape, std::unique_ptr<Sink> sink = nullptr);

private:
	void encode_data(std::span<const float> data, std::string &out) const override;
	void encode_label(std::span<const float> label, std::string &out) const override;
	formats::DType data_type_;
	formats::Shape data_reshape_;
	formats::DType label_type_;
	formats::Shape label_reshape_;
};

//! AVRO stream: plain binary datums of the data and label schemas (values
//! given in schema field order).
class AvroSink final : public DataSink {
public:
	AvroSink(DataSinkOptions options, formats::AvroSchema data_scheme, std::optional<formats::AvroSchema> label_scheme,
	         std::unique_ptr<Sink> sink = nullptr);

private:
	void encode_data(std::span<const float> data, std::string &out) const override;
	void encode_label(std::span<const float> label, std::string &out) const override;
	formats::AvroSchema data_scheme_;
	std::optional<formats::AvroSchema> label_scheme_;
};

} // namespace kafkaml::stream
