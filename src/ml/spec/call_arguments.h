#pragma once

// Binds a call's positional and keyword arguments to a Keras signature and
// reads them with type checks. Every name asked for is remembered, so that
// finish() can reject an unknown argument with the list of accepted ones.
//
// Thread-safety: one instance per call being interpreted; no shared state.

#include "ml/spec/value.h"

#include <optional>
#include <string>
#include <vector>

namespace kafkaml::ml::spec {

class CallArguments {
public:
	//! `callee` names the call in messages ("Dense"); `positional` lists the
	//! names positional arguments bind to, in order.
	CallArguments(const Value &call, std::string callee, std::vector<std::string> positional);

	//! The argument's value, or nullptr when not given (an explicit None
	//! counts as given).
	const Value *get(const std::string &name);

	int64_t integer(const std::string &name, int64_t fallback, int64_t minimum = 1);
	std::optional<int64_t> optional_integer(const std::string &name, int64_t minimum = 1);
	double number(const std::string &name, double fallback);
	//! A number in [low, high) (or [low, high] when `closed`).
	double number_in(const std::string &name, double fallback, double low, double high, bool closed = false);
	bool boolean(const std::string &name, bool fallback);
	std::string string(const std::string &name, const std::string &fallback);
	//! An int, or a tuple/list of `rank` ints (Keras' kernel_size, strides, ...).
	std::vector<int64_t> int_tuple(const std::string &name, size_t rank, int64_t fallback);
	//! A shape: tuple/list of positive ints or None (-1). `with_batch`
	//! drops a leading batch entry (batch_input_shape).
	std::optional<Shape> shape(const std::string &name, bool with_batch = false);

	//! Accepted only with its "off" value: None (or absent).
	void only_none(const std::string &name);
	//! Accepted only with the given default value.
	void only_bool(const std::string &name, bool value);
	void only_number(const std::string &name, double value);
	void only_string(const std::string &name, const std::string &value, bool none_too = true);
	//! Accepted with any value of the given kind (documented as ignored).
	void ignored(const std::string &name);

	//! Throws on an argument no reader asked for.
	void finish();

	//! "argument 'units' of Dense"
	std::string what(const std::string &name) const;
	const std::string &callee() const { return callee_; }
	SourceLocation location() const { return call_.location; }

private:
	const Value &call_;
	std::string callee_;
	std::vector<std::string> known_;
	std::vector<std::pair<std::string, const Value *>> given_;
};

int64_t integer_value(const Value &value, const std::string &what, int64_t minimum);
double number_value(const Value &value, const std::string &what);
bool bool_value(const Value &value, const std::string &what);
const std::string &string_value(const Value &value, const std::string &what);

} // namespace kafkaml::ml::spec
