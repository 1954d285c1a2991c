#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::formats {

//! A tensor shape from a reshape string of input_config ("28 28"; commas and
//! brackets are accepted too: "(28, 28)"). Empty = scalar or flat.
struct Shape {
	std::vector<int64_t> dims;

	//! Product of dims; 1 for an empty shape.
	int64_t elements() const;
	bool empty() const { return dims.empty(); }
	//! "28 28" (the original's form).
	std::string to_string() const;
};

//! Throws FormatError when a part is not a positive integer.
Shape parse_shape(std::string_view text);

} // namespace kafkaml::formats
