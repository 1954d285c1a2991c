#include "ml/spec/call_arguments.h"

#include <algorithm>
#include <cmath>

namespace kafkaml::ml::spec {

namespace {

std::string format_number(double value) {
	char buffer[32];
	std::snprintf(buffer, sizeof buffer, "%g", value);
	return buffer;
}

} // namespace

int64_t integer_value(const Value &value, const std::string &what, int64_t minimum) {
	if (value.kind != ValueKind::Int) {
		fail(value.location, what + " must be an integer, not " + describe(value));
	}
	if (value.integer < minimum) {
		fail(value.location,
		     what + " must be at least " + std::to_string(minimum) + ", got " + std::to_string(value.integer));
	}
	return value.integer;
}

double number_value(const Value &value, const std::string &what) {
	if (!value.is_number()) {
		fail(value.location, what + " must be a number, not " + describe(value));
	}
	double number = value.as_double();
	if (!std::isfinite(number)) {
		fail(value.location, what + " must be a finite number");
	}
	return number;
}

bool bool_value(const Value &value, const std::string &what) {
	if (value.kind != ValueKind::Bool) {
		fail(value.location, what + " must be True or False, not " + describe(value));
	}
	return value.boolean;
}

const std::string &string_value(const Value &value, const std::string &what) {
	if (value.kind != ValueKind::String) {
		fail(value.location, what + " must be a quoted string, not " + describe(value));
	}
	return value.text;
}

CallArguments::CallArguments(const Value &call, std::string callee, std::vector<std::string> positional)
    : call_(call), callee_(std::move(callee)) {
	if (call.items.size() > positional.size()) {
		const Value &extra = call.items[positional.size()];
		std::string names;
		for (const auto &name : positional) {
			names += (names.empty() ? "" : ", ") + name;
		}
		fail(extra.location,
		     callee_ + "() takes " +
		         (positional.empty() ? std::string("no positional arguments")
		                             : "at most " + std::to_string(positional.size()) + " positional argument" +
		                                   (positional.size() > 1 ? "s" : "") + " (" + names + ")") +
		         "; pass the others by keyword");
	}
	for (size_t i = 0; i < call.items.size(); i++) {
		given_.emplace_back(positional[i], &call.items[i]);
	}
	for (const auto &keyword : call.keywords) {
		for (const auto &[name, value] : given_) {
			if (name == keyword.name) {
				fail(keyword.location,
				     "'" + keyword.name + "' of " + callee_ + " is given both by position and by keyword");
			}
		}
		given_.emplace_back(keyword.name, &keyword.value);
	}
}

std::string CallArguments::what(const std::string &name) const {
	return "argument '" + name + "' of " + callee_;
}

const Value *CallArguments::get(const std::string &name) {
	if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
		known_.push_back(name);
	}
	for (const auto &[given, value] : given_) {
		if (given == name) {
			return value;
		}
	}
	return nullptr;
}

int64_t CallArguments::integer(const std::string &name, int64_t fallback, int64_t minimum) {
	const Value *value = get(name);
	return value ? integer_value(*value, what(name), minimum) : fallback;
}

std::optional<int64_t> CallArguments::optional_integer(const std::string &name, int64_t minimum) {
	const Value *value = get(name);
	if (!value || value->kind == ValueKind::None) {
		return std::nullopt;
	}
	return integer_value(*value, what(name), minimum);
}

double CallArguments::number(const std::string &name, double fallback) {
	const Value *value = get(name);
	return value ? number_value(*value, what(name)) : fallback;
}

double CallArguments::number_in(const std::string &name, double fallback, double low, double high, bool closed) {
	const Value *value = get(name);
	if (!value) {
		return fallback;
	}
	double number = number_value(*value, what(name));
	if (number < low || number > high || (!closed && number == high)) {
		fail(value->location, what(name) + " must be in [" + format_number(low) + ", " + format_number(high) +
		                          (closed ? "]" : ")") + ", got " + format_number(number));
	}
	return number;
}

bool CallArguments::boolean(const std::string &name, bool fallback) {
	const Value *value = get(name);
	return value ? bool_value(*value, what(name)) : fallback;
}

std::string CallArguments::string(const std::string &name, const std::string &fallback) {
	const Value *value = get(name);
	return value ? string_value(*value, what(name)) : fallback;
}

std::vector<int64_t> CallArguments::int_tuple(const std::string &name, size_t rank, int64_t fallback) {
	const Value *value = get(name);
	if (!value) {
		return std::vector<int64_t>(rank, fallback);
	}
	if (value->kind == ValueKind::Int) {
		return std::vector<int64_t>(rank, integer_value(*value, what(name), 1));
	}
	if (!value->is_sequence() || value->items.size() != rank) {
		fail(value->location, what(name) + " must be an integer or a tuple of " + std::to_string(rank) +
		                          " integers, not " + describe(*value));
	}
	std::vector<int64_t> result;
	for (const auto &item : value->items) {
		result.push_back(integer_value(item, what(name), 1));
	}
	return result;
}

std::optional<Shape> CallArguments::shape(const std::string &name, bool with_batch) {
	const Value *value = get(name);
	if (!value || value->kind == ValueKind::None) {
		return std::nullopt;
	}
	if (!value->is_sequence()) {
		std::string hint =
		    value->kind == ValueKind::Int ? " (write (" + std::to_string(value->integer) + ",) for one dimension)" : "";
		fail(value->location,
		     what(name) + " must be a tuple of dimensions such as (28, 28, 1), not " + describe(*value) + hint);
	}
	Shape shape;
	for (size_t i = with_batch ? 1 : 0; i < value->items.size(); i++) {
		const Value &item = value->items[i];
		if (item.kind == ValueKind::None) {
			shape.push_back(-1);
			continue;
		}
		shape.push_back(integer_value(item, "each dimension of " + what(name), 1));
	}
	if (shape.empty()) {
		fail(value->location, what(name) + " needs at least one dimension");
	}
	if (shape.size() > 8) {
		fail(value->location,
		     what(name) + " has " + std::to_string(shape.size()) + " dimensions; at most 8 are supported");
	}
	return shape;
}

void CallArguments::only_none(const std::string &name) {
	const Value *value = get(name);
	if (value && value->kind != ValueKind::None) {
		fail(value->location, what(name) + " is not supported; remove it or set it to None");
	}
}

void CallArguments::only_bool(const std::string &name, bool expected) {
	const Value *value = get(name);
	if (value && bool_value(*value, what(name)) != expected) {
		fail(value->location, what(name) + " = " + (expected ? "False" : "True") + " is not supported; only " +
		                          (expected ? "True" : "False") + " (Keras' default)");
	}
}

void CallArguments::only_number(const std::string &name, double expected) {
	const Value *value = get(name);
	if (value && number_value(*value, what(name)) != expected) {
		fail(value->location,
		     what(name) + " is not supported with a value other than " + format_number(expected) + " (Keras' default)");
	}
}

void CallArguments::only_string(const std::string &name, const std::string &expected, bool none_too) {
	const Value *value = get(name);
	if (!value || (none_too && value->kind == ValueKind::None)) {
		return;
	}
	if (string_value(*value, what(name)) != expected) {
		fail(value->location, what(name) + " '" + value->text + "' is not supported; only '" + expected + "'");
	}
}

void CallArguments::ignored(const std::string &name) {
	get(name);
}

void CallArguments::finish() {
	for (const auto &[name, value] : given_) {
		if (std::find(known_.begin(), known_.end(), name) != known_.end()) {
			continue;
		}
		std::string names;
		for (const auto &known : known_) {
			names += (names.empty() ? "" : ", ") + known;
		}
		SourceLocation at = value->location;
		for (const auto &keyword : call_.keywords) {
			if (&keyword.value == value) {
				at = keyword.location;
			}
		}
		fail(at, "unknown argument '" + name + "' for " + callee_ + "; expected one of " + names);
	}
}

} // namespace kafkaml::ml::spec
