#pragma once

#include "formats/field_decoder.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace kafkaml::formats {

//! One Kafka record as the decoder sees it (views into the consumer's
//! buffers). `key` is empty when the record has no key (unlabeled).
struct MessageView {
	int64_t offset = -1;
	std::string_view value;
	std::optional<std::string_view> key;
};

//! Rows of a decoded batch in two contiguous row-major float buffers:
//! features (rows x feature_width) and labels (rows x label_width; empty
//! when decoded without labels). Reused across batches: `clear()` keeps the
//! capacity, so steady-state decoding allocates nothing.
struct Batch {
	std::vector<float> features;
	std::vector<float> labels;
	size_t rows = 0;
	size_t feature_width = 0;
	size_t label_width = 0;
	//! When set, every row must have this many features (what the model
	//! takes); otherwise the first row sets the width for the batch. Kept
	//! by clear(): a consumer sets it once.
	size_t required_feature_width = 0;

	void clear() {
		features.clear();
		labels.clear();
		rows = 0;
		feature_width = 0;
		label_width = 0;
	}
};

//! Decodes data messages of one input format: the value gives the features,
//! the key the label (docs/wire-format.md).
//! Thread: immutable after construction; const methods may run concurrently
//! on different batches.
class MessageDecoder {
public:
	MessageDecoder(std::unique_ptr<FieldDecoder> features, std::unique_ptr<FieldDecoder> label);

	//! From a control message's (or inference's) input_format ("RAW", "AVRO",
	//! "JSON", any case) and input_config (an object, or JSON text of one):
	//!   RAW:  data_type, data_reshape, label_type, label_reshape
	//!   AVRO: data_scheme, label_scheme (schema objects or JSON text)
	//!   JSON: optional fields / label_fields (names in feature order)
	//! No label type/scheme = unlabeled stream. Throws FormatError.
	static MessageDecoder from_config(std::string_view input_format, const nlohmann::json &input_config);

	bool has_label() const { return label_ != nullptr; }
	const FieldDecoder &features() const { return *features_; }
	const FieldDecoder *label() const { return label_.get(); }

	//! Appends one row to `batch`. With `with_label`, the record must have a
	//! key. On error the batch is left as it was and FormatError says
	//! "offset N: <what>".
	void decode(const MessageView &message, Batch &batch, bool with_label) const;
	//! decode() of each message in order; stops at the first error.
	void decode_batch(std::span<const MessageView> messages, Batch &batch, bool with_label) const;

private:
	std::unique_ptr<FieldDecoder> features_;
	std::unique_ptr<FieldDecoder> label_;
};

} // namespace kafkaml::formats
