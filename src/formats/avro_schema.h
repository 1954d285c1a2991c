#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::formats {

//! The subset of Avro schemas Kafka-ML streams use, parsed once into a tree
//! the decoder walks: records (nested records flatten in field order), the
//! numeric primitives, boolean, enums (decoded as their index), arrays of
//! those, and unions (typically ["null", T]; null decodes as NaN). string,
//! bytes and fixed are accepted only to be skipped when they are not features
//! (never: every leaf is a feature, so they are rejected with the field name).
struct AvroNode {
	enum class Kind { Null, Boolean, Int, Long, Float, Double, Enum, Array, Union, Record };
	Kind kind = Kind::Null;
	std::string name;               //!< field name (records' fields) or type name
	int64_t enum_size = 0;          //!< Enum: number of symbols
	std::vector<AvroNode> children; //!< Record: fields; Array: {items}; Union: branches
	size_t width = 0;               //!< values produced; 0 = variable (contains an array)
};

class AvroSchema {
public:
	//! Parses schema JSON text; throws FormatError with the reason.
	static AvroSchema parse(std::string_view json_text);
	//! Parses an already-parsed schema (input_config may hold an object).
	static AvroSchema from_json(const nlohmann::json &schema);

	const AvroNode &root() const { return root_; }
	//! Leaf field names in feature order ("a", "b.c" for nested records);
	//! the root itself is "" when it is not a record.
	std::vector<std::string> field_names() const;
	//! For each of field_names(): whether it takes null (a union with a
	//! "null" branch), so that a missing value can be sent as null.
	std::vector<bool> nullable_fields() const;
	//! Canonical JSON text of the schema as given.
	const std::string &text() const { return text_; }

private:
	AvroNode root_;
	std::string text_;
};

} // namespace kafkaml::formats
