// Python's builtins and the methods of plain values that model definitions
// use (len, range, zip, list.append, dict.items, str.format, ...). Each
// charges the work it does to the step budget and what it creates to the
// allocation budget.

#include "ml/spec/eval_bounds.h"
#include "ml/spec/evaluator.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace kafkaml::ml::spec {

namespace {

const std::set<std::string, std::less<>> kBuiltins = {
    "len",   "min", "max",       "int",   "float",      "str",    "bool",   "range",    "list",
    "tuple", "zip", "enumerate", "sum",   "abs",        "round",  "sorted", "reversed", "dict",
    "print", "any", "all",       "super", "isinstance", "object", "pow"};

void expect_count(const CallArgs &args, const std::string &name, size_t low, size_t high) {
	if (args.positional.size() < low || args.positional.size() > high) {
		fail(args.location,
		     name + "() takes " +
		         (low == high ? std::to_string(low) : std::to_string(low) + " to " + std::to_string(high)) +
		         " positional arguments, got " + std::to_string(args.positional.size()));
	}
}

void no_keywords(const CallArgs &args, const std::string &name) {
	if (!args.keywords.empty()) {
		fail(args.keyword_at[0], name + "() takes no keyword argument '" + args.keywords[0].first + "'");
	}
}

int64_t integer_argument(const Object &value, const std::string &what, SourceLocation location) {
	if (value.kind == ObjectKind::Bool) {
		return value.boolean;
	}
	if (value.kind != ObjectKind::Int) {
		fail(location, what + " must be an integer, not " + type_name(value));
	}
	return value.integer;
}

void append_checked(Evaluator &evaluator, const Object &list, Object value, SourceLocation location) {
	if (list.items->size() >= kMaxSequenceLength) {
		fail(location, "a list longer than " + std::to_string(kMaxSequenceLength) + " elements");
	}
	evaluator.allocate(1, location);
	list.items->push_back(std::move(value));
}

Object min_max(Evaluator &evaluator, const std::string &name, CallArgs &args) {
	no_keywords(args, name);
	if (args.positional.empty()) {
		fail(args.location, name + "() needs at least one argument");
	}
	std::vector<Object> items =
	    args.positional.size() == 1 ? evaluator.iterate(args.positional[0], args.positional_at[0]) : args.positional;
	if (items.empty()) {
		fail(args.location, name + "() of an empty sequence");
	}
	Object best = items[0];
	for (size_t i = 1; i < items.size(); i++) {
		bool better = compare(evaluator, name == "min" ? "<" : ">", items[i], best, args.location);
		if (better) {
			best = items[i];
		}
	}
	return best;
}

Object to_int(const Object &value, SourceLocation location) {
	switch (value.kind) {
	case ObjectKind::Int:
	case ObjectKind::Bool:
		return make_int(value.kind == ObjectKind::Bool ? value.boolean : value.integer);
	case ObjectKind::Float:
		if (!std::isfinite(value.number) || std::fabs(value.number) >= 9.2e18) {
			fail(location, "int() of a number that does not fit in 64 bits");
		}
		return make_int(static_cast<int64_t>(value.number));
	case ObjectKind::Str: {
		errno = 0;
		char *end = nullptr;
		long long parsed = std::strtoll(value.text.c_str(), &end, 10);
		if (value.text.empty() || *end != '\0' || errno == ERANGE) {
			fail(location, "int() cannot read '" + value.text + "'");
		}
		return make_int(parsed);
	}
	default:
		fail(location, "int() of " + type_name(value));
	}
}

Object to_float(const Object &value, SourceLocation location) {
	if (value.is_number()) {
		return make_float(value.as_double());
	}
	if (value.kind == ObjectKind::Str) {
		char *end = nullptr;
		double parsed = std::strtod(value.text.c_str(), &end);
		if (value.text.empty() || *end != '\0') {
			fail(location, "float() cannot read '" + value.text + "'");
		}
		return make_float(parsed);
	}
	fail(location, "float() of " + type_name(value));
}

bool is_instance(const Object &value, const Object &type) {
	if (type.kind == ObjectKind::Tuple) {
		return std::any_of(type.items->begin(), type.items->end(),
		                   [&](const Object &option) { return is_instance(value, option); });
	}
	if (type.kind == ObjectKind::Class) {
		return value.kind == ObjectKind::Instance && value.klass == type.klass;
	}
	if (type.kind != ObjectKind::Builtin) {
		return false;
	}
	const std::string &name = type.text;
	return (name == "builtins.int" && (value.kind == ObjectKind::Int || value.kind == ObjectKind::Bool)) ||
	       (name == "builtins.float" && value.kind == ObjectKind::Float) ||
	       (name == "builtins.str" && value.kind == ObjectKind::Str) ||
	       (name == "builtins.bool" && value.kind == ObjectKind::Bool) ||
	       (name == "builtins.list" && value.kind == ObjectKind::List) ||
	       (name == "builtins.tuple" && value.kind == ObjectKind::Tuple) ||
	       (name == "builtins.dict" && value.kind == ObjectKind::Dict) || name == "builtins.object";
}

} // namespace

std::optional<Object> python_builtin(const std::string &name) {
	if (!kBuiltins.count(name)) {
		return std::nullopt;
	}
	return make_builtin("builtins." + name);
}

Object call_python_builtin(Evaluator &evaluator, const std::string &name, CallArgs &args) {
	SourceLocation at = args.location;
	if (name == "print") {
		evaluator.ignore_statement();
		return make_none();
	}
	if (name == "super") {
		return evaluator.super_object(args);
	}
	if (name == "min" || name == "max") {
		return min_max(evaluator, name, args);
	}
	if (name == "len") {
		expect_count(args, name, 1, 1);
		no_keywords(args, name);
		const Object &value = args.positional[0];
		switch (value.kind) {
		case ObjectKind::Str:
			return make_int(static_cast<int64_t>(value.text.size()));
		case ObjectKind::List:
		case ObjectKind::Tuple:
			return make_int(static_cast<int64_t>(value.items->size()));
		case ObjectKind::Dict:
			return make_int(static_cast<int64_t>(value.dict->entries.size()));
		case ObjectKind::Range:
			return make_int(static_cast<int64_t>(evaluator.iterate(value, at).size()));
		default:
			fail(args.positional_at[0], "len() of " + type_name(value));
		}
	}
	if (name == "range") {
		expect_count(args, name, 1, 3);
		no_keywords(args, name);
		Object range;
		range.kind = ObjectKind::Range;
		std::vector<int64_t> values;
		for (size_t i = 0; i < args.positional.size(); i++) {
			values.push_back(integer_argument(args.positional[i], "range() argument", args.positional_at[i]));
		}
		range.integer = values.size() == 1 ? 0 : values[0];
		range.stop = values.size() == 1 ? values[0] : values[1];
		range.step = values.size() == 3 ? values[2] : 1;
		if (range.step == 0) {
			fail(at, "range() step must not be zero");
		}
		return range;
	}
	if (name == "int" || name == "float" || name == "str" || name == "bool") {
		expect_count(args, name, 0, 1);
		no_keywords(args, name);
		if (args.positional.empty()) {
			return name == "int"     ? make_int(0)
			       : name == "float" ? make_float(0)
			       : name == "str"   ? make_str("")
			                         : make_bool(false);
		}
		const Object &value = args.positional[0];
		if (name == "int") {
			return to_int(value, args.positional_at[0]);
		}
		if (name == "float") {
			return to_float(value, args.positional_at[0]);
		}
		if (name == "bool") {
			return make_bool(truthy(value));
		}
		std::string text = to_str(value);
		evaluator.allocate(text.size(), at);
		return make_str(std::move(text));
	}
	if (name == "list" || name == "tuple" || name == "sorted" || name == "reversed") {
		expect_count(args, name, 0, 1);
		if (name != "sorted") {
			no_keywords(args, name);
		}
		std::vector<Object> items = args.positional.empty()
		                                ? std::vector<Object>{}
		                                : evaluator.iterate(args.positional[0], args.positional_at[0]);
		if (name == "reversed") {
			std::reverse(items.begin(), items.end());
		}
		if (name == "sorted") {
			const Object *reverse = args.keyword("reverse");
			for (const auto &[key, value] : args.keywords) {
				if (key != "reverse") {
					fail(args.keyword_location(key), "sorted() supports only reverse=");
				}
			}
			evaluator.charge(static_cast<int64_t>(items.size() * 20), at);
			std::stable_sort(items.begin(), items.end(),
			                 [&](const Object &a, const Object &b) { return compare(evaluator, "<", a, b, at); });
			if (reverse && truthy(*reverse)) {
				std::reverse(items.begin(), items.end());
			}
		}
		return name == "tuple" ? evaluator.new_tuple(std::move(items), at) : evaluator.new_list(std::move(items), at);
	}
	if (name == "zip") {
		no_keywords(args, name);
		std::vector<std::vector<Object>> columns;
		size_t length = SIZE_MAX;
		for (size_t i = 0; i < args.positional.size(); i++) {
			columns.push_back(evaluator.iterate(args.positional[i], args.positional_at[i]));
			length = std::min(length, columns.back().size());
		}
		std::vector<Object> rows;
		for (size_t r = 0; !columns.empty() && r < length; r++) {
			std::vector<Object> row;
			for (const auto &column : columns) {
				row.push_back(column[r]);
			}
			rows.push_back(evaluator.new_tuple(std::move(row), at));
		}
		return evaluator.new_list(std::move(rows), at);
	}
	if (name == "enumerate") {
		expect_count(args, name, 1, 2);
		const Object *start = args.argument(1, "start");
		int64_t index = start ? integer_argument(*start, "enumerate() start", at) : 0;
		std::vector<Object> rows;
		for (auto &item : evaluator.iterate(args.positional[0], args.positional_at[0])) {
			rows.push_back(evaluator.new_tuple({make_int(index++), std::move(item)}, at));
		}
		return evaluator.new_list(std::move(rows), at);
	}
	if (name == "sum") {
		expect_count(args, name, 1, 2);
		Object total = args.positional.size() > 1 ? args.positional[1] : make_int(0);
		for (const auto &item : evaluator.iterate(args.positional[0], args.positional_at[0])) {
			total = binary_operation(evaluator, "+", total, item, at);
		}
		return total;
	}
	if (name == "abs") {
		expect_count(args, name, 1, 1);
		const Object &value = args.positional[0];
		if (value.kind == ObjectKind::Float) {
			return make_float(std::fabs(value.number));
		}
		int64_t integer = integer_argument(value, "abs() argument", at);
		return integer < 0 ? unary_operation("-", value, at) : make_int(integer);
	}
	if (name == "round") {
		expect_count(args, name, 1, 2);
		const Object &value = args.positional[0];
		if (!value.is_number()) {
			fail(at, "round() of " + type_name(value));
		}
		if (args.positional.size() == 1) {
			return to_int(make_float(std::nearbyint(value.as_double())), at);
		}
		int64_t digits = std::clamp<int64_t>(integer_argument(args.positional[1], "round() digits", at), -20, 20);
		if (digits >= 0 && std::fabs(value.as_double()) >= 1e15) {
			return make_float(value.as_double()); // already whole at every digit asked for
		}
		if (digits >= 0) {
			// printf rounds the exact binary value, as Python's round(2.675, 2) == 2.67
			char buffer[64];
			std::snprintf(buffer, sizeof buffer, "%.*f", static_cast<int>(digits), value.as_double());
			return make_float(std::strtod(buffer, nullptr));
		}
		double scale = std::pow(10.0, static_cast<double>(-digits));
		return make_float(std::nearbyint(value.as_double() / scale) * scale);
	}
	if (name == "pow") {
		expect_count(args, name, 2, 2);
		return binary_operation(evaluator, "**", args.positional[0], args.positional[1], at);
	}
	if (name == "dict") {
		expect_count(args, name, 0, 1);
		Object dict = evaluator.new_dict(at);
		if (!args.positional.empty()) {
			const Object &source = args.positional[0];
			if (source.kind == ObjectKind::Dict) {
				for (const auto &[key, value] : source.dict->entries) {
					set_item(evaluator, dict, key, value, at);
				}
			} else {
				for (const auto &pair : evaluator.iterate(source, at)) {
					if (!pair.is_sequence() || pair.items->size() != 2) {
						fail(at, "dict() needs pairs (key, value)");
					}
					set_item(evaluator, dict, (*pair.items)[0], (*pair.items)[1], at);
				}
			}
		}
		for (const auto &[key, value] : args.keywords) {
			set_item(evaluator, dict, make_str(key), value, at);
		}
		return dict;
	}
	if (name == "any" || name == "all") {
		expect_count(args, name, 1, 1);
		for (const auto &item : evaluator.iterate(args.positional[0], args.positional_at[0])) {
			if (truthy(item) == (name == "any")) {
				return make_bool(name == "any");
			}
		}
		return make_bool(name == "all");
	}
	if (name == "isinstance") {
		expect_count(args, name, 2, 2);
		return make_bool(is_instance(args.positional[0], args.positional[1]));
	}
	fail(at, "'" + name + "' cannot be called in a model definition");
}

Object call_value_method(Evaluator &evaluator, const Object &receiver, const std::string &name, CallArgs &args) {
	SourceLocation at = args.location;
	std::string what = type_name(receiver) + "." + name;
	switch (receiver.kind) {
	case ObjectKind::List:
		if (name == "append") {
			expect_count(args, what, 1, 1);
			append_checked(evaluator, receiver, args.positional[0], at);
			return make_none();
		}
		if (name == "extend") {
			expect_count(args, what, 1, 1);
			for (auto &item : evaluator.iterate(args.positional[0], args.positional_at[0])) {
				append_checked(evaluator, receiver, std::move(item), at);
			}
			return make_none();
		}
		if (name == "insert") {
			expect_count(args, what, 2, 2);
			int64_t index = integer_argument(args.positional[0], "insert() index", at);
			int64_t size = static_cast<int64_t>(receiver.items->size());
			index = std::clamp<int64_t>(index < 0 ? index + size : index, 0, size);
			append_checked(evaluator, receiver, make_none(), at);
			receiver.items->pop_back();
			receiver.items->insert(receiver.items->begin() + index, args.positional[1]);
			return make_none();
		}
		if (name == "pop") {
			expect_count(args, what, 0, 1);
			if (receiver.items->empty()) {
				fail(at, "pop from an empty list");
			}
			int64_t size = static_cast<int64_t>(receiver.items->size());
			int64_t index =
			    args.positional.empty() ? size - 1 : integer_argument(args.positional[0], "pop() index", at);
			index = index < 0 ? index + size : index;
			if (index < 0 || index >= size) {
				fail(at, "pop index out of range");
			}
			Object value = (*receiver.items)[static_cast<size_t>(index)];
			receiver.items->erase(receiver.items->begin() + index);
			return value;
		}
		if (name == "reverse") {
			std::reverse(receiver.items->begin(), receiver.items->end());
			return make_none();
		}
		if (name == "clear") {
			receiver.items->clear();
			return make_none();
		}
		if (name == "copy") {
			return evaluator.new_list(*receiver.items, at);
		}
		[[fallthrough]];
	case ObjectKind::Tuple:
		if (name == "index" || name == "count") {
			expect_count(args, what, 1, 1);
			evaluator.charge(static_cast<int64_t>(receiver.items->size()), at);
			int64_t count = 0;
			for (size_t i = 0; i < receiver.items->size(); i++) {
				if (equals((*receiver.items)[i], args.positional[0])) {
					if (name == "index") {
						return make_int(static_cast<int64_t>(i));
					}
					count++;
				}
			}
			if (name == "index") {
				fail(at, repr(args.positional[0]) + " is not in the list");
			}
			return make_int(count);
		}
		break;
	case ObjectKind::Dict:
		if (name == "get" || name == "setdefault" || name == "pop") {
			expect_count(args, what, 1, 2);
			evaluator.charge(static_cast<int64_t>(receiver.dict->entries.size()), at);
			auto &entries = receiver.dict->entries;
			for (size_t i = 0; i < entries.size(); i++) {
				if (equals(entries[i].first, args.positional[0])) {
					Object value = entries[i].second;
					if (name == "pop") {
						entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
					}
					return value;
				}
			}
			Object fallback = args.positional.size() > 1 ? args.positional[1] : make_none();
			if (name == "setdefault") {
				set_item(evaluator, receiver, args.positional[0], fallback, at);
			}
			if (name == "pop" && args.positional.size() < 2) {
				fail(at, "key " + repr(args.positional[0]) + " is not in the dict");
			}
			return fallback;
		}
		if (name == "keys" || name == "values" || name == "items") {
			std::vector<Object> out;
			evaluator.charge(static_cast<int64_t>(receiver.dict->entries.size()), at);
			for (const auto &[key, value] : receiver.dict->entries) {
				out.push_back(name == "keys" ? key : name == "values" ? value : evaluator.new_tuple({key, value}, at));
			}
			return evaluator.new_list(std::move(out), at);
		}
		if (name == "update") {
			expect_count(args, what, 0, 1);
			if (!args.positional.empty()) {
				if (args.positional[0].kind != ObjectKind::Dict) {
					fail(at, "dict.update() needs a dict");
				}
				for (const auto &[key, value] : args.positional[0].dict->entries) {
					set_item(evaluator, receiver, key, value, at);
				}
			}
			for (const auto &[key, value] : args.keywords) {
				set_item(evaluator, receiver, make_str(key), value, at);
			}
			return make_none();
		}
		if (name == "copy") {
			Object copy = evaluator.new_dict(at);
			for (const auto &[key, value] : receiver.dict->entries) {
				set_item(evaluator, copy, key, value, at);
			}
			return copy;
		}
		break;
	case ObjectKind::Str: {
		const std::string &text = receiver.text;
		auto result = [&](std::string out) {
			if (out.size() > kMaxStringLength) {
				fail(at, "a string longer than " + std::to_string(kMaxStringLength) + " characters");
			}
			evaluator.allocate(out.size(), at);
			return make_str(std::move(out));
		};
		if (name == "upper" || name == "lower") {
			std::string out = text;
			for (auto &c : out) {
				c = static_cast<char>(name == "upper" ? std::toupper(static_cast<unsigned char>(c))
				                                      : std::tolower(static_cast<unsigned char>(c)));
			}
			return result(std::move(out));
		}
		if (name == "strip") {
			size_t start = text.find_first_not_of(" \t\r\n");
			size_t end = text.find_last_not_of(" \t\r\n");
			return result(start == std::string::npos ? "" : text.substr(start, end - start + 1));
		}
		if (name == "startswith" || name == "endswith") {
			expect_count(args, what, 1, 1);
			if (args.positional[0].kind != ObjectKind::Str) {
				fail(at, what + "() needs a string");
			}
			const std::string &affix = args.positional[0].text;
			return make_bool(name == "startswith" ? text.starts_with(affix) : text.ends_with(affix));
		}
		if (name == "join") {
			expect_count(args, what, 1, 1);
			std::string out;
			bool first = true;
			for (const auto &item : evaluator.iterate(args.positional[0], at)) {
				if (item.kind != ObjectKind::Str) {
					fail(at, "str.join() needs strings, got " + type_name(item));
				}
				out += (first ? "" : text) + item.text;
				first = false;
				if (out.size() > kMaxStringLength) {
					fail(at, "a string longer than " + std::to_string(kMaxStringLength) + " characters");
				}
			}
			return result(std::move(out));
		}
		if (name == "replace") {
			expect_count(args, what, 2, 2);
			if (args.positional[0].kind != ObjectKind::Str || args.positional[1].kind != ObjectKind::Str ||
			    args.positional[0].text.empty()) {
				fail(at, "str.replace() needs two strings, the first not empty");
			}
			std::string out;
			const std::string &from = args.positional[0].text;
			size_t pos = 0;
			for (size_t found; (found = text.find(from, pos)) != std::string::npos; pos = found + from.size()) {
				out += text.substr(pos, found - pos) + args.positional[1].text;
				if (out.size() > kMaxStringLength) {
					fail(at, "a string longer than " + std::to_string(kMaxStringLength) + " characters");
				}
			}
			return result(out + text.substr(pos));
		}
		if (name == "split") {
			expect_count(args, what, 0, 1);
			std::vector<Object> parts;
			std::string separator = args.positional.empty() ? "" : to_str(args.positional[0]);
			size_t pos = 0;
			while (pos <= text.size()) {
				size_t found = separator.empty() ? text.find_first_of(" \t\n", pos) : text.find(separator, pos);
				std::string part = text.substr(pos, found == std::string::npos ? std::string::npos : found - pos);
				if (!separator.empty() || !part.empty()) {
					parts.push_back(make_str(part));
				}
				if (found == std::string::npos) {
					break;
				}
				pos = found + std::max<size_t>(separator.size(), 1);
			}
			evaluator.allocate(text.size(), at);
			return evaluator.new_list(std::move(parts), at);
		}
		if (name == "format") {
			std::string out;
			size_t next_index = 0;
			for (size_t i = 0; i < text.size(); i++) {
				if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
					out += text[i++];
					continue;
				}
				if (text[i] != '{') {
					out += text[i];
					continue;
				}
				size_t close = text.find('}', i);
				if (close == std::string::npos) {
					fail(at, "str.format(): a '{' is never closed");
				}
				std::string field = text.substr(i + 1, close - i - 1);
				std::string spec;
				if (size_t colon = field.find(':'); colon != std::string::npos) {
					spec = field.substr(colon + 1);
					field = field.substr(0, colon);
				}
				const Object *value = nullptr;
				if (field.empty()) {
					value = next_index < args.positional.size() ? &args.positional[next_index++] : nullptr;
				} else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
					size_t index = static_cast<size_t>(std::atoi(field.c_str()));
					value = index < args.positional.size() ? &args.positional[index] : nullptr;
				} else {
					value = args.keyword(field);
				}
				if (!value) {
					fail(at, "str.format(): no argument for {" + field + "}");
				}
				out += format_value(*value, spec, at);
				if (out.size() > kMaxStringLength) {
					fail(at, "a string longer than " + std::to_string(kMaxStringLength) + " characters");
				}
				i = close;
			}
			return result(std::move(out));
		}
		break;
	}
	case ObjectKind::Environ:
		// os.environ.get / setdefault: the environment of a definition is empty
		if (name == "get" || name == "setdefault") {
			evaluator.ignore_statement();
			return args.positional.size() > 1 ? args.positional[1] : make_none();
		}
		break;
	default:
		break;
	}
	fail(at, "'" + what + "' is not supported in a model definition");
}

} // namespace kafkaml::ml::spec
