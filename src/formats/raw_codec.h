#pragma once

#include "formats/dtype.h"
#include "formats/field_decoder.h"
#include "formats/shape.h"

#include <span>
#include <string>

namespace kafkaml::formats {

//! RAW decoding (docs/wire-format.md): the bytes are a little-endian array of
//! `type` as numpy's `tobytes()` writes it. With a shape, the message must
//! hold exactly shape.elements() elements; without one, any whole number of
//! elements (the first message fixes the width of a batch).
//!
//! `string` elements: the bytes are UTF-8 text (Python `str.encode()`); the
//! text must be a number ("3", "0.5", "true"/"false") and gives one value.
class RawDecoder final : public FieldDecoder {
public:
	RawDecoder(DType type, Shape shape);
	size_t width() const override;
	void decode(std::string_view bytes, std::vector<float> &out) const override;
	std::string describe() const override;

private:
	DType type_;
	Shape shape_;
};

//! Appends `values` as RAW `type` bytes to `out` (what numpy `astype(type).tobytes()` gives).
//! A `string` message is the text of exactly one value; several throw FormatError.
void encode_raw(DType type, std::span<const float> values, std::string &out);

} // namespace kafkaml::formats
