#pragma once

#include "formats/avro_schema.h"
#include "formats/field_decoder.h"

#include <span>
#include <string>

namespace kafkaml::formats {

//! Decodes plain Avro binary datums (no container header, no schema-registry
//! magic byte: what `DatumWriter` + `BinaryEncoder` write) into floats in
//! schema field order. Booleans give 0/1, enums their index, a null union
//! branch NaN for each value of the other branch.
//!
//! Hand-written for the subset AvroSchema accepts rather than avro-c: it walks
//! a pre-parsed tree straight from the bytes into the float output with no
//! avro_value_t per datum (see bench/decode_bench.cpp for the measurement).
class AvroDecoder final : public FieldDecoder {
public:
	explicit AvroDecoder(AvroSchema schema);
	size_t width() const override { return schema_.root().width; }
	void decode(std::string_view bytes, std::vector<float> &out) const override;
	std::string describe() const override { return "AVRO " + schema_.text(); }
	const AvroSchema &schema() const { return schema_; }

private:
	AvroSchema schema_;
};

//! Encodes one datum of `schema` from `values` given in field order (the
//! inverse of AvroDecoder for records of scalars, enums and nullable
//! unions: NaN selects the null branch when there is one). Appends to `out`.
//! Throws FormatError if the value count does not match or the schema holds
//! arrays (their length is not known from a flat value list).
void encode_avro(const AvroSchema &schema, std::span<const float> values, std::string &out);

} // namespace kafkaml::formats
