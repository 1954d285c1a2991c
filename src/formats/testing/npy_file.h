#pragma once

// The bytes of a .npy file, for tests of what reads or sends one.

#include <cstddef>
#include <string>

namespace kafkaml::formats::testing {

//! A .npy (format 1.0) of `descr` ("<f4", "<i8", "|u1", ...) and `shape`
//! ("(3, 2)", "(3,)") holding `size` bytes of `data`. Pure.
inline std::string npy_file(const std::string &descr, const std::string &shape, const void *data, size_t size) {
	std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
	dict.resize(((dict.size() + 11) / 64 + 1) * 64 - 11, ' '); // magic + header end on a 64-byte boundary
	dict += '\n';
	std::string bytes("\x93NUMPY\x01\x00", 8);
	bytes.push_back(static_cast<char>(dict.size() & 0xff));
	bytes.push_back(static_cast<char>(dict.size() >> 8));
	bytes += dict;
	bytes.append(static_cast<const char *>(data), size);
	return bytes;
}

} // namespace kafkaml::formats::testing
