#include "formats/avro_codec.h"

#include "formats/format_error.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace kafkaml::formats {
namespace {

using Kind = AvroNode::Kind;

//! Cursor over one datum; every read checks the remaining length.
struct Reader {
	const unsigned char *pos;
	const unsigned char *end;

	int64_t read_long() {
		uint64_t value = 0;
		for (int shift = 0; shift < 64; shift += 7) {
			if (pos == end) {
				throw FormatError("Avro datum is truncated inside a varint");
			}
			uint8_t byte = *pos++;
			value |= static_cast<uint64_t>(byte & 0x7f) << shift;
			if ((byte & 0x80) == 0) {
				return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
			}
		}
		throw FormatError("Avro varint is longer than 10 bytes");
	}

	template <typename T>
	T read_fixed() {
		if (static_cast<size_t>(end - pos) < sizeof(T)) {
			throw FormatError("Avro datum is truncated: needs " + std::to_string(sizeof(T)) + " more bytes");
		}
		T value;
		std::memcpy(&value, pos, sizeof(T));
		pos += sizeof(T);
		return value;
	}
};

void fill_nan(const AvroNode &node, std::vector<float> &out) {
	out.insert(out.end(), node.width, std::numeric_limits<float>::quiet_NaN());
}

void decode_node(const AvroNode &node, Reader &in, std::vector<float> &out) {
	switch (node.kind) {
	case Kind::Null:
		return;
	case Kind::Boolean: {
		if (in.pos == in.end) {
			throw FormatError("Avro datum is truncated at a boolean");
		}
		uint8_t byte = *in.pos++;
		if (byte > 1) {
			throw FormatError("Avro boolean byte is " + std::to_string(byte) + ", expected 0 or 1");
		}
		out.push_back(static_cast<float>(byte));
		return;
	}
	case Kind::Int: {
		int64_t value = in.read_long();
		if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max()) {
			throw FormatError("Avro int is out of the 32-bit range");
		}
		out.push_back(static_cast<float>(value));
		return;
	}
	case Kind::Long:
		out.push_back(static_cast<float>(in.read_long()));
		return;
	case Kind::Float:
		out.push_back(in.read_fixed<float>());
		return;
	case Kind::Double:
		out.push_back(static_cast<float>(in.read_fixed<double>()));
		return;
	case Kind::Enum: {
		int64_t index = in.read_long();
		if (index < 0 || index >= node.enum_size) {
			throw FormatError("Avro enum index " + std::to_string(index) + " is outside its " +
			                  std::to_string(node.enum_size) + " symbols");
		}
		out.push_back(static_cast<float>(index));
		return;
	}
	case Kind::Array: {
		const auto &items = node.children.front();
		for (;;) {
			int64_t count = in.read_long();
			if (count == 0) {
				return;
			}
			if (count < 0) {
				count = -count;
				in.read_long(); // block size in bytes, not needed
			}
			// Each item takes at least one byte except nulls: bound the count
			// by the bytes left so a corrupt count cannot loop for ages.
			if (items.kind != Kind::Null && count > in.end - in.pos) {
				throw FormatError("Avro array block claims " + std::to_string(count) + " items but only " +
				                  std::to_string(in.end - in.pos) + " bytes remain");
			}
			if (items.kind == Kind::Null && count > (int64_t(1) << 20)) {
				throw FormatError("Avro array of nulls is implausibly long");
			}
			for (int64_t i = 0; i < count; i++) {
				decode_node(items, in, out);
			}
		}
	}
	case Kind::Union: {
		int64_t branch = in.read_long();
		if (branch < 0 || branch >= static_cast<int64_t>(node.children.size())) {
			throw FormatError("Avro union branch " + std::to_string(branch) + " does not exist (union has " +
			                  std::to_string(node.children.size()) + ")");
		}
		const auto &chosen = node.children[static_cast<size_t>(branch)];
		if (chosen.kind == Kind::Null) {
			fill_nan(node, out);
			return;
		}
		decode_node(chosen, in, out);
		return;
	}
	case Kind::Record:
		for (const auto &field : node.children) {
			decode_node(field, in, out);
		}
		return;
	}
}

void write_long(int64_t value, std::string &out) {
	uint64_t zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
	while (zigzag >= 0x80) {
		out.push_back(static_cast<char>((zigzag & 0x7f) | 0x80));
		zigzag >>= 7;
	}
	out.push_back(static_cast<char>(zigzag));
}

template <typename T>
void write_fixed(T value, std::string &out) {
	char buffer[sizeof(T)];
	std::memcpy(buffer, &value, sizeof(T));
	out.append(buffer, sizeof(T));
}

//! The whole number `v` stands for in an int, long or enum field; throws
//! rather than write a datum every reader rejects (an enum index past its
//! symbols) or a number other than the one given (wrapped, or NaN as 0).
int64_t integer_of(const AvroNode &node, const std::string &name, float v) {
	std::string field = name.empty() ? "value" : "field '" + name + "'";
	double low = node.kind == Kind::Int ? std::numeric_limits<int32_t>::min() : -0x1p63;
	double high = node.kind == Kind::Int ? std::numeric_limits<int32_t>::max() : 0x1p63 - 1024;
	const char *type = node.kind == Kind::Int ? "int" : "long";
	if (node.kind == Kind::Enum) {
		low = 0;
		high = static_cast<double>(node.enum_size - 1);
		type = "enum index";
	}
	double rounded = std::nearbyint(static_cast<double>(v));
	if (!std::isfinite(v) || rounded < low || rounded > high || (node.kind == Kind::Enum && rounded != v)) {
		char shown[32];
		auto [shown_end, ec] = std::to_chars(shown, shown + sizeof(shown), v);
		std::string range = node.kind == Kind::Enum ? "a whole number from 0 to " + std::to_string(node.enum_size - 1)
		                                            : "within the " + std::string(type) + " range";
		throw FormatError("Avro " + field + ": " + std::string(shown, shown_end) + " is not a valid " + type +
		                  " (must be " + range + (node.kind == Kind::Enum ? "" : "; NaN only in a union with null") +
		                  ")");
	}
	return static_cast<int64_t>(rounded);
}

//! `name`: the field `node` is the type of, for errors.
void encode_node(const AvroNode &node, const std::string &name, const float *&value, const float *end,
                 std::string &out) {
	if (node.kind == Kind::Record) {
		for (const auto &field : node.children) {
			encode_node(field, field.name, value, end, out);
		}
		return;
	}
	if (node.kind == Kind::Null) {
		return;
	}
	if (node.kind == Kind::Array) {
		throw FormatError("encoding Avro arrays from a flat value list is not supported");
	}
	if (value == end) {
		throw FormatError("too few values for the Avro schema");
	}
	float v = *value;
	switch (node.kind) {
	case Kind::Boolean:
		out.push_back(v != 0.0f ? 1 : 0);
		break;
	case Kind::Int:
	case Kind::Long:
	case Kind::Enum:
		write_long(integer_of(node, name, v), out);
		break;
	case Kind::Float:
		write_fixed<float>(v, out);
		break;
	case Kind::Double:
		write_fixed<double>(static_cast<double>(v), out);
		break;
	case Kind::Union: {
		int64_t null_branch = -1;
		int64_t value_branch = -1;
		for (size_t i = 0; i < node.children.size(); i++) {
			bool is_null = node.children[i].kind == Kind::Null;
			if (is_null && null_branch < 0) {
				null_branch = static_cast<int64_t>(i);
			}
			if (!is_null && value_branch < 0) {
				value_branch = static_cast<int64_t>(i);
			}
		}
		if (std::isnan(v) && null_branch >= 0) {
			write_long(null_branch, out);
			value += node.width;
			return;
		}
		write_long(value_branch, out);
		encode_node(node.children[static_cast<size_t>(value_branch)], name, value, end, out);
		return;
	}
	default:
		break;
	}
	value++;
}

} // namespace

AvroDecoder::AvroDecoder(AvroSchema schema) : schema_(std::move(schema)) {}

void AvroDecoder::decode(std::string_view bytes, std::vector<float> &out) const {
	Reader in{reinterpret_cast<const unsigned char *>(bytes.data()),
	          reinterpret_cast<const unsigned char *>(bytes.data()) + bytes.size()};
	decode_node(schema_.root(), in, out);
	if (in.pos != in.end) {
		throw FormatError("Avro datum has " + std::to_string(in.end - in.pos) +
		                  " bytes left over after the schema's fields (wrong schema?)");
	}
}

void encode_avro(const AvroSchema &schema, std::span<const float> values, std::string &out) {
	const float *value = values.data();
	const float *end = values.data() + values.size();
	encode_node(schema.root(), "", value, end, out);
	if (value != end) {
		throw FormatError("Avro schema takes " + std::to_string(value - values.data()) + " values, got " +
		                  std::to_string(values.size()));
	}
}

} // namespace kafkaml::formats
