#pragma once

#include "formats/field_decoder.h"

#include <span>
#include <string>
#include <vector>

namespace kafkaml::formats {

//! Decodes JSON messages: `{"values": [...]}` (our inference output and the
//! easiest form for any client), a bare array, a bare number, or an object
//! of named fields. Nested arrays flatten row-major; true/false give 1/0,
//! null gives NaN; a string holding a number is accepted. A number beyond
//! float's range gives +-inf, one below it 0 (as strtof); NaN and Infinity,
//! which are not JSON, are refused naming their offset.
//!
//! Objects of named fields: with `fields` (input_config "fields"), those
//! fields in that order (a missing one is an error, extra ones ignored);
//! without, every field in document order.
//!
//! A small hand-written scanner rather than a DOM: values go straight into
//! the output vector.
class JsonDecoder final : public FieldDecoder {
public:
	explicit JsonDecoder(std::vector<std::string> fields = {}, size_t width = 0);
	size_t width() const override { return width_; }
	void decode(std::string_view bytes, std::vector<float> &out) const override;
	std::string describe() const override { return "JSON"; }

private:
	std::vector<std::string> fields_;
	size_t width_;
};

//! Appends `{"values":[v0,v1,...]}` with the shortest round-trip text of
//! each float (NaN and infinities as null, which JSON lacks).
void encode_json_values(std::span<const float> values, std::string &out);

//! Appends one float as JSON (shortest round-trip text; null when not finite).
void append_json_number(float value, std::string &out);

} // namespace kafkaml::formats
