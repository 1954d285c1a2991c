// Python's operators, comparisons, indexing, truth and string conversion on
// the evaluator's plain values. Integers are 64-bit: a result that would
// need more is an error, not a wrap. Operators on Keras tensors become the
// merge layers Keras would insert (keras_namespace.cpp).

#include "ml/spec/eval_bounds.h"
#include "ml/spec/evaluator.h"
#include "ml/spec/keras_namespace.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace kafkaml::ml::spec {

namespace {

[[noreturn]] void too_large(SourceLocation location) {
	fail(location, "an integer result does not fit in 64 bits");
}

void check_depth(int depth, SourceLocation location) {
	if (depth > kMaxValueDepth) {
		fail(location, "values nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
	}
}

bool equals_at(const Object &a, const Object &b, int depth) {
	check_depth(depth, {});
	if (a.is_number() && b.is_number()) {
		if (a.kind == ObjectKind::Float || b.kind == ObjectKind::Float) {
			return a.as_double() == b.as_double();
		}
		return (a.kind == ObjectKind::Bool ? a.boolean : a.integer) ==
		       (b.kind == ObjectKind::Bool ? b.boolean : b.integer);
	}
	if (a.kind != b.kind) {
		return false;
	}
	switch (a.kind) {
	case ObjectKind::None:
		return true;
	case ObjectKind::Str:
	case ObjectKind::Builtin:
	case ObjectKind::Module:
	case ObjectKind::Unavailable:
		return a.text == b.text;
	case ObjectKind::List:
	case ObjectKind::Tuple: {
		if (a.items->size() != b.items->size()) {
			return false;
		}
		for (size_t i = 0; i < a.items->size(); i++) {
			if (!equals_at((*a.items)[i], (*b.items)[i], depth + 1)) {
				return false;
			}
		}
		return true;
	}
	case ObjectKind::Dict: {
		if (a.dict->entries.size() != b.dict->entries.size()) {
			return false;
		}
		for (const auto &[key, value] : a.dict->entries) {
			bool found = false;
			for (const auto &[other_key, other_value] : b.dict->entries) {
				if (equals_at(key, other_key, depth + 1)) {
					found = equals_at(value, other_value, depth + 1);
					break;
				}
			}
			if (!found) {
				return false;
			}
		}
		return true;
	}
	case ObjectKind::Range:
		return a.integer == b.integer && a.stop == b.stop && a.step == b.step;
	case ObjectKind::Layer:
	case ObjectKind::Tensor:
	case ObjectKind::Model:
		return a.id == b.id;
	case ObjectKind::Function:
		return a.function == b.function;
	case ObjectKind::Class:
		return a.klass == b.klass;
	case ObjectKind::Instance:
		return a.instance == b.instance;
	case ObjectKind::Keras:
		return a.call == b.call;
	default:
		return false;
	}
}

std::string float_repr(double value) {
	if (std::isnan(value)) {
		return "nan";
	}
	if (std::isinf(value)) {
		return value > 0 ? "inf" : "-inf";
	}
	char buffer[64];
	int digits = 0;
	for (; digits < 17; digits++) {
		std::snprintf(buffer, sizeof buffer, "%.*e", digits, value);
		if (std::strtod(buffer, nullptr) == value) {
			break;
		}
	}
	int exponent = std::atoi(std::strchr(buffer, 'e') + 1);
	if (exponent < -4 || exponent >= 16) {
		return buffer; // Python's repr: 1e-05, 1.5e+20
	}
	std::snprintf(buffer, sizeof buffer, "%.*f", std::max(digits - exponent, 0), value);
	std::string out = buffer;
	if (out.find('.') == std::string::npos) {
		out += ".0";
	}
	return out;
}

std::string repr_at(const Object &object, int depth) {
	check_depth(depth, object.location);
	switch (object.kind) {
	case ObjectKind::None:
		return "None";
	case ObjectKind::Bool:
		return object.boolean ? "True" : "False";
	case ObjectKind::Int:
		return std::to_string(object.integer);
	case ObjectKind::Float:
		return float_repr(object.number);
	case ObjectKind::Str:
		return "'" + object.text + "'";
	case ObjectKind::List:
	case ObjectKind::Tuple: {
		bool list = object.kind == ObjectKind::List;
		std::string out = list ? "[" : "(";
		for (size_t i = 0; i < object.items->size(); i++) {
			out += (i ? ", " : "") + repr_at((*object.items)[i], depth + 1);
			if (out.size() > kMaxStringLength) {
				fail(object.location, "a string longer than " + std::to_string(kMaxStringLength) + " characters");
			}
		}
		if (!list && object.items->size() == 1) {
			out += ",";
		}
		return out + (list ? "]" : ")");
	}
	case ObjectKind::Dict: {
		std::string out = "{";
		for (size_t i = 0; i < object.dict->entries.size(); i++) {
			const auto &[key, value] = object.dict->entries[i];
			out += (i ? ", " : "") + repr_at(key, depth + 1) + ": " + repr_at(value, depth + 1);
			if (out.size() > kMaxStringLength) {
				fail(object.location, "a string longer than " + std::to_string(kMaxStringLength) + " characters");
			}
		}
		return out + "}";
	}
	case ObjectKind::Range:
		return "range(" + std::to_string(object.integer) + ", " + std::to_string(object.stop) +
		       (object.step != 1 ? ", " + std::to_string(object.step) : "") + ")";
	default:
		return "<" + type_name(object) + ">";
	}
}

int64_t checked_int(const Object &value) {
	return value.kind == ObjectKind::Bool ? value.boolean : value.integer;
}

Object integer_operation(const std::string &op, int64_t a, int64_t b, SourceLocation location) {
	int64_t result = 0;
	if (op == "+") {
		if (__builtin_add_overflow(a, b, &result)) {
			too_large(location);
		}
		return make_int(result);
	}
	if (op == "-") {
		if (__builtin_sub_overflow(a, b, &result)) {
			too_large(location);
		}
		return make_int(result);
	}
	if (op == "*") {
		if (__builtin_mul_overflow(a, b, &result)) {
			too_large(location);
		}
		return make_int(result);
	}
	if (op == "/") {
		if (b == 0) {
			fail(location, "division by zero");
		}
		return make_float(static_cast<double>(a) / static_cast<double>(b));
	}
	if (op == "//" || op == "%") {
		if (b == 0) {
			fail(location, "integer division or modulo by zero");
		}
		if (a == INT64_MIN && b == -1) {
			too_large(location);
		}
		int64_t quotient = a / b;
		int64_t remainder = a % b;
		if (remainder != 0 && ((remainder < 0) != (b < 0))) {
			quotient--;
			remainder += b;
		}
		return make_int(op == "//" ? quotient : remainder);
	}
	if (op == "**") {
		if (b < 0) {
			return make_float(std::pow(static_cast<double>(a), static_cast<double>(b)));
		}
		int64_t power = 1;
		for (int64_t i = 0; i < b; i++) {
			if (__builtin_mul_overflow(power, a, &power)) {
				too_large(location);
			}
			if (power == 0 || power == 1) {
				break;
			}
			if (power == -1) {
				power = (b - i - 1) % 2 == 0 ? -1 : 1;
				break;
			}
		}
		return make_int(power);
	}
	if (op == "&") {
		return make_int(a & b);
	}
	if (op == "|") {
		return make_int(a | b);
	}
	if (op == "^") {
		return make_int(a ^ b);
	}
	if (op == "<<" || op == ">>") {
		if (b < 0 || b > 62) {
			fail(location, "shift count out of range");
		}
		if (op == ">>") {
			return make_int(a >> b);
		}
		if (a > (INT64_MAX >> b) || a < (INT64_MIN >> b)) {
			too_large(location);
		}
		return make_int(a << b);
	}
	fail(location, "operator '" + op + "' is not supported on integers");
}

Object float_operation(const std::string &op, double a, double b, SourceLocation location) {
	if (op == "+") {
		return make_float(a + b);
	}
	if (op == "-") {
		return make_float(a - b);
	}
	if (op == "*") {
		return make_float(a * b);
	}
	if ((op == "/" || op == "//" || op == "%") && b == 0.0) {
		fail(location, "float division by zero");
	}
	if (op == "/") {
		return make_float(a / b);
	}
	if (op == "//") {
		return make_float(std::floor(a / b));
	}
	if (op == "%") {
		double r = std::fmod(a, b);
		return make_float(r != 0 && ((r < 0) != (b < 0)) ? r + b : r);
	}
	if (op == "**") {
		return make_float(std::pow(a, b));
	}
	fail(location, "operator '" + op + "' is not supported on decimal numbers");
}

Object repeat(Evaluator &evaluator, const Object &sequence, int64_t times, SourceLocation location) {
	times = std::max<int64_t>(times, 0);
	size_t size = sequence.kind == ObjectKind::Str ? sequence.text.size() : sequence.items->size();
	size_t limit = sequence.kind == ObjectKind::Str ? kMaxStringLength : kMaxSequenceLength;
	if (size > 0 && static_cast<uint64_t>(times) > limit / size) {
		fail(location, std::string(sequence.kind == ObjectKind::Str ? "a string" : "a list") + " longer than " +
		                   std::to_string(limit));
	}
	evaluator.allocate(size * static_cast<size_t>(times), location);
	evaluator.charge(static_cast<int64_t>(size) * times, location);
	if (sequence.kind == ObjectKind::Str) {
		std::string out;
		for (int64_t i = 0; i < times; i++) {
			out += sequence.text;
		}
		return make_str(std::move(out));
	}
	std::vector<Object> items;
	for (int64_t i = 0; i < times; i++) {
		items.insert(items.end(), sequence.items->begin(), sequence.items->end());
	}
	return sequence.kind == ObjectKind::List ? evaluator.new_list(std::move(items), location)
	                                         : evaluator.new_tuple(std::move(items), location);
}

int64_t normalized_index(int64_t index, size_t size, SourceLocation location) {
	int64_t n = static_cast<int64_t>(size);
	int64_t resolved = index < 0 ? index + n : index;
	if (resolved < 0 || resolved >= n) {
		fail(location, "index " + std::to_string(index) + " is out of range for a length of " + std::to_string(n));
	}
	return resolved;
}

//! The positions a slice selects from a sequence of `size`.
std::vector<size_t> slice_positions(const Object &slice, size_t size, SourceLocation location) {
	auto part = [&](size_t i) -> std::optional<int64_t> {
		const Object &value = (*slice.items)[i];
		if (value.kind == ObjectKind::None) {
			return std::nullopt;
		}
		if (value.kind != ObjectKind::Int && value.kind != ObjectKind::Bool) {
			fail(location, "slice indices must be integers, not " + type_name(value));
		}
		return checked_int(value);
	};
	int64_t n = static_cast<int64_t>(size);
	int64_t step = part(2).value_or(1);
	if (step == 0) {
		fail(location, "slice step cannot be zero");
	}
	auto clamp = [&](std::optional<int64_t> value, int64_t fallback) {
		if (!value) {
			return fallback;
		}
		int64_t v = *value < 0 ? *value + n : *value;
		if (step > 0) {
			return std::clamp<int64_t>(v, 0, n);
		}
		return std::clamp<int64_t>(v, -1, n - 1);
	};
	int64_t start = clamp(part(0), step > 0 ? 0 : n - 1);
	int64_t stop = clamp(part(1), step > 0 ? n : -1);
	std::vector<size_t> positions;
	for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
		positions.push_back(static_cast<size_t>(i));
	}
	return positions;
}

} // namespace

bool truthy(const Object &object) {
	switch (object.kind) {
	case ObjectKind::None:
		return false;
	case ObjectKind::Bool:
		return object.boolean;
	case ObjectKind::Int:
		return object.integer != 0;
	case ObjectKind::Float:
		return object.number != 0.0;
	case ObjectKind::Str:
		return !object.text.empty();
	case ObjectKind::List:
	case ObjectKind::Tuple:
		return !object.items->empty();
	case ObjectKind::Dict:
		return !object.dict->entries.empty();
	case ObjectKind::Range:
		return object.step > 0 ? object.stop > object.integer : object.stop < object.integer;
	default:
		return true;
	}
}

bool equals(const Object &a, const Object &b) {
	return equals_at(a, b, 0);
}

std::string repr(const Object &object) {
	return repr_at(object, 0);
}

std::string to_str(const Object &object) {
	return object.kind == ObjectKind::Str ? object.text : repr(object);
}

Object binary_operation(Evaluator &evaluator, const std::string &op, const Object &a, const Object &b,
                        SourceLocation location) {
	if (a.kind == ObjectKind::Tensor || b.kind == ObjectKind::Tensor) {
		return tensor_operation(evaluator, op, a, b, location);
	}
	bool ints = (a.kind == ObjectKind::Int || a.kind == ObjectKind::Bool) &&
	            (b.kind == ObjectKind::Int || b.kind == ObjectKind::Bool);
	if (ints) {
		return integer_operation(op, checked_int(a), checked_int(b), location);
	}
	if (a.is_number() && b.is_number()) {
		return float_operation(op, a.as_double(), b.as_double(), location);
	}
	if (op == "+" && a.kind == b.kind && (a.kind == ObjectKind::Str || a.is_sequence())) {
		if (a.kind == ObjectKind::Str) {
			if (a.text.size() + b.text.size() > kMaxStringLength) {
				fail(location, "a string longer than " + std::to_string(kMaxStringLength) + " characters");
			}
			evaluator.allocate(a.text.size() + b.text.size(), location);
			return make_str(a.text + b.text);
		}
		if (a.items->size() + b.items->size() > kMaxSequenceLength) {
			fail(location, "a list longer than " + std::to_string(kMaxSequenceLength) + " elements");
		}
		std::vector<Object> items = *a.items;
		items.insert(items.end(), b.items->begin(), b.items->end());
		evaluator.charge(static_cast<int64_t>(items.size()), location);
		return a.kind == ObjectKind::List ? evaluator.new_list(std::move(items), location)
		                                  : evaluator.new_tuple(std::move(items), location);
	}
	if (op == "*" && (a.kind == ObjectKind::Str || a.is_sequence()) && b.kind == ObjectKind::Int) {
		return repeat(evaluator, a, b.integer, location);
	}
	if (op == "*" && (b.kind == ObjectKind::Str || b.is_sequence()) && a.kind == ObjectKind::Int) {
		return repeat(evaluator, b, a.integer, location);
	}
	fail(location, "unsupported operand types for " + op + ": " + type_name(a) + " and " + type_name(b));
}

Object unary_operation(const std::string &op, const Object &a, SourceLocation location) {
	if (a.kind == ObjectKind::Int || a.kind == ObjectKind::Bool) {
		int64_t value = checked_int(a);
		if (op == "-") {
			if (value == INT64_MIN) {
				too_large(location);
			}
			return make_int(-value);
		}
		if (op == "~") {
			return make_int(~value);
		}
		return make_int(value);
	}
	if (a.kind == ObjectKind::Float && op != "~") {
		return make_float(op == "-" ? -a.number : a.number);
	}
	fail(location, "bad operand type for unary " + op + ": " + type_name(a));
}

bool compare(Evaluator &evaluator, const std::string &op, const Object &a, const Object &b, SourceLocation location) {
	if (op == "==") {
		return equals(a, b);
	}
	if (op == "!=") {
		return !equals(a, b);
	}
	if (op == "is" || op == "is not") {
		bool same = (a.kind == ObjectKind::None && b.kind == ObjectKind::None) ||
		            (a.kind == b.kind && a.kind != ObjectKind::None && equals(a, b) &&
		             (a.kind == ObjectKind::Bool || a.items == b.items));
		return op == "is" ? same : !same;
	}
	if (op == "in" || op == "not in") {
		bool found = false;
		if (b.kind == ObjectKind::Str && a.kind == ObjectKind::Str) {
			found = b.text.find(a.text) != std::string::npos;
		} else if (b.kind == ObjectKind::Environ) {
			found = false;
		} else {
			for (const auto &item : evaluator.iterate(b, location)) {
				if (equals(a, item)) {
					found = true;
					break;
				}
			}
		}
		return op == "in" ? found : !found;
	}
	int order = 0;
	if (a.is_number() && b.is_number()) {
		double x = a.as_double();
		double y = b.as_double();
		order = x < y ? -1 : x > y ? 1 : 0;
	} else if (a.kind == ObjectKind::Str && b.kind == ObjectKind::Str) {
		order = a.text.compare(b.text);
	} else if (a.is_sequence() && a.kind == b.kind) {
		size_t n = std::min(a.items->size(), b.items->size());
		evaluator.charge(static_cast<int64_t>(n), location);
		for (size_t i = 0; i < n && order == 0; i++) {
			if (equals((*a.items)[i], (*b.items)[i])) {
				continue;
			}
			order = compare(evaluator, "<", (*a.items)[i], (*b.items)[i], location) ? -1 : 1;
		}
		if (order == 0) {
			order = a.items->size() < b.items->size() ? -1 : a.items->size() > b.items->size() ? 1 : 0;
		}
	} else {
		fail(location, "'" + op + "' is not supported between " + type_name(a) + " and " + type_name(b));
	}
	if (op == "<") {
		return order < 0;
	}
	if (op == "<=") {
		return order <= 0;
	}
	if (op == ">") {
		return order > 0;
	}
	return order >= 0;
}

Object subscript(Evaluator &evaluator, const Object &container, const Object &index, SourceLocation location) {
	if (container.kind == ObjectKind::Dict) {
		evaluator.charge(static_cast<int64_t>(container.dict->entries.size()), location);
		for (const auto &[key, value] : container.dict->entries) {
			if (equals(key, index)) {
				return value;
			}
		}
		fail(location, "key " + repr(index) + " is not in the dict");
	}
	if (container.kind == ObjectKind::Tensor) {
		fail(location, "indexing a Keras tensor is not supported; use a layer such as layers.Cropping1D or "
		               "layers.Reshape");
	}
	if (container.kind == ObjectKind::Range) {
		std::vector<Object> items = evaluator.iterate(container, location);
		return subscript(evaluator, evaluator.new_list(std::move(items), location), index, location);
	}
	if (container.kind != ObjectKind::Str && !container.is_sequence()) {
		fail(location, type_name(container) + " cannot be indexed");
	}
	size_t size = container.kind == ObjectKind::Str ? container.text.size() : container.items->size();
	if (index.kind == ObjectKind::Slice) {
		std::vector<size_t> positions = slice_positions(index, size, location);
		evaluator.charge(static_cast<int64_t>(positions.size()), location);
		if (container.kind == ObjectKind::Str) {
			std::string out;
			for (size_t p : positions) {
				out += container.text[p];
			}
			evaluator.allocate(out.size(), location);
			return make_str(std::move(out));
		}
		std::vector<Object> items;
		for (size_t p : positions) {
			items.push_back((*container.items)[p]);
		}
		return container.kind == ObjectKind::List ? evaluator.new_list(std::move(items), location)
		                                          : evaluator.new_tuple(std::move(items), location);
	}
	if (index.kind != ObjectKind::Int && index.kind != ObjectKind::Bool) {
		fail(location, type_name(container) + " indices must be integers or slices, not " + type_name(index));
	}
	auto position = static_cast<size_t>(normalized_index(checked_int(index), size, location));
	if (container.kind == ObjectKind::Str) {
		return make_str(std::string(1, container.text[position]));
	}
	return (*container.items)[position];
}

void set_item(Evaluator &evaluator, const Object &container, const Object &index, Object value,
              SourceLocation location) {
	switch (container.kind) {
	case ObjectKind::Dict: {
		evaluator.charge(static_cast<int64_t>(container.dict->entries.size()), location);
		if (index.kind != ObjectKind::Str && index.kind != ObjectKind::Int && index.kind != ObjectKind::Float &&
		    index.kind != ObjectKind::Bool && index.kind != ObjectKind::None && index.kind != ObjectKind::Tuple &&
		    index.kind != ObjectKind::Tensor && index.kind != ObjectKind::Layer) {
			fail(location, type_name(index) + " cannot be a dict key");
		}
		for (auto &[key, existing] : container.dict->entries) {
			if (equals(key, index)) {
				existing = std::move(value);
				return;
			}
		}
		if (container.dict->entries.size() >= kMaxSequenceLength) {
			fail(location, "a dict larger than " + std::to_string(kMaxSequenceLength) + " entries");
		}
		evaluator.allocate(2, location);
		container.dict->entries.emplace_back(index, std::move(value));
		return;
	}
	case ObjectKind::List: {
		if (index.kind != ObjectKind::Int) {
			fail(location, "list indices must be integers, not " + type_name(index));
		}
		auto position = static_cast<size_t>(normalized_index(index.integer, container.items->size(), location));
		(*container.items)[position] = std::move(value);
		return;
	}
	case ObjectKind::Environ:
		evaluator.ignore_statement();
		return;
	default:
		fail(location, type_name(container) + " does not support item assignment");
	}
}

std::string format_value(const Object &value, const std::string &spec, SourceLocation location) {
	if (spec.empty()) {
		return to_str(value);
	}
	// [[fill]align][0][width][,][.precision][type]
	size_t pos = 0;
	char fill = ' ';
	char align = 0;
	auto is_align = [](char c) { return c == '<' || c == '>' || c == '^'; };
	if (spec.size() >= 2 && is_align(spec[1])) {
		fill = spec[0];
		align = spec[1];
		pos = 2;
	} else if (!spec.empty() && is_align(spec[0])) {
		align = spec[0];
		pos = 1;
	}
	if (pos < spec.size() && spec[pos] == '0') {
		fill = '0';
		align = align ? align : '>';
		pos++;
	}
	size_t width = 0;
	while (pos < spec.size() && std::isdigit(static_cast<unsigned char>(spec[pos]))) {
		width = width * 10 + static_cast<size_t>(spec[pos++] - '0');
		if (width > 1000) {
			fail(location, "format width too large");
		}
	}
	bool grouping = pos < spec.size() && spec[pos] == ',';
	if (grouping) {
		pos++;
	}
	int precision = -1;
	if (pos < spec.size() && spec[pos] == '.') {
		pos++;
		precision = 0;
		while (pos < spec.size() && std::isdigit(static_cast<unsigned char>(spec[pos]))) {
			precision = std::min(precision * 10 + (spec[pos++] - '0'), 50);
		}
	}
	char type = pos < spec.size() ? spec[pos++] : 0;
	if (pos != spec.size()) {
		fail(location, "unsupported format spec '" + spec + "'");
	}
	std::string body;
	char buffer[128];
	if (type == 'd' || (type == 0 && value.kind == ObjectKind::Int && precision < 0)) {
		if (value.kind != ObjectKind::Int && value.kind != ObjectKind::Bool) {
			fail(location, "format 'd' needs an integer, not " + type_name(value));
		}
		body = std::to_string(checked_int(value));
	} else if (type == 'f' || type == 'e' || type == 'g' || type == '%' || (type == 0 && value.is_number())) {
		if (!value.is_number()) {
			fail(location, "format '" + spec + "' needs a number, not " + type_name(value));
		}
		double number = value.as_double() * (type == '%' ? 100.0 : 1.0);
		char conversion = type == 0 || type == '%' ? (type == '%' ? 'f' : 'g') : type;
		std::snprintf(buffer, sizeof buffer, std::string("%.*").append(1, conversion).c_str(),
		              precision < 0 ? 6 : precision, number);
		body = buffer;
		if (type == '%') {
			body += "%";
		}
	} else if (type == 's' || type == 0) {
		body = to_str(value);
		if (precision >= 0 && body.size() > static_cast<size_t>(precision)) {
			body.resize(static_cast<size_t>(precision));
		}
	} else {
		fail(location, "unsupported format type '" + std::string(1, type) + "'");
	}
	if (grouping) {
		size_t digits_end = body.find_first_of(".e%");
		digits_end = digits_end == std::string::npos ? body.size() : digits_end;
		size_t digits_start = body[0] == '-' ? 1 : 0;
		for (size_t i = digits_end; i > digits_start + 3; i -= 3) {
			body.insert(i - 3, ",");
		}
	}
	if (body.size() < width) {
		size_t pad = width - body.size();
		char direction = align ? align : (value.is_number() ? '>' : '<');
		if (direction == '<') {
			body += std::string(pad, fill);
		} else if (direction == '^') {
			body = std::string(pad / 2, fill) + body + std::string(pad - pad / 2, fill);
		} else {
			body = std::string(pad, fill) + body;
		}
	}
	return body;
}

} // namespace kafkaml::ml::spec
