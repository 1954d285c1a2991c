#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::formats {

//! Turns the bytes of one side of a message (the value = features, or the
//! key = label) into floats.
//!
//! `decode` appends exactly the values of one message to `out`; callers
//! reserve `out` for a whole batch so that no value allocates. It throws
//! FormatError (without the offset: the batch decoder adds it).
//! Thread: a decoder is immutable after construction; `decode` may run on
//! several threads at once.
class FieldDecoder {
public:
	virtual ~FieldDecoder() = default;
	//! Values per message when the format fixes it, else 0 (learned from the
	//! first message of a batch; later messages must match).
	virtual size_t width() const = 0;
	virtual void decode(std::string_view bytes, std::vector<float> &out) const = 0;
	//! Short human description for errors, e.g. "RAW uint8 [28 28]".
	virtual std::string describe() const = 0;
};

} // namespace kafkaml::formats
