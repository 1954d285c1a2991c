#pragma once

// The syntax tree shared by every accepted form of a model definition. The
// Python-subset parser, the JSON parser (Keras `to_json()` and our plain
// spec) and the fit-kwargs parser all produce Values, so one set of
// interpreters (keras_objects.h) turns them into a ModelSpec whatever the
// form, and every error can point at a line and column.
//
// Thread-safety: plain values; no shared state.

#include "ml/spec/model_spec.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::ml::spec {

enum class ValueKind { None, Bool, Int, Float, String, Name, List, Tuple, Dict, Call };

struct Argument;

struct Value {
	ValueKind kind = ValueKind::None;
	SourceLocation location;
	bool boolean = false;
	int64_t integer = 0;
	double number = 0.0;
	//! Name/Call: where the last dotted segment starts ("Dense2" in
	//! tf.keras.layers.Dense2), which errors about unknown names point at.
	SourceLocation name_location;
	//! String: its content; Name: the dotted name ("tf.nn.relu"); Call: the callee's dotted name.
	std::string text;
	//! List/Tuple: elements; Call: positional arguments.
	std::vector<Value> items;
	//! Call: keyword arguments in order; Dict: entries (the key in `name`).
	std::vector<Argument> keywords;

	bool is_number() const { return kind == ValueKind::Int || kind == ValueKind::Float; }
	double as_double() const { return kind == ValueKind::Int ? static_cast<double>(integer) : number; }
	bool is_sequence() const { return kind == ValueKind::List || kind == ValueKind::Tuple; }
	//! Dict entry or keyword argument by name; nullptr when absent.
	const Value *find(std::string_view key) const;
};

struct Argument {
	std::string name;
	SourceLocation location; //!< of the name
	Value value;
};

//! How a value is called in messages: "a string", "the name 'foo'", "a call of Dense(...)".
std::string describe(const Value &value);

//! Throws ModelDefinitionError at `location`.
[[noreturn]] void fail(SourceLocation location, std::string reason);

} // namespace kafkaml::ml::spec
