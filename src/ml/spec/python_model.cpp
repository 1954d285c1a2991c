// Interprets the statements of the Python subset into a ModelSpec. The
// "program" is straight-line: imports are skipped; an assignment binds a
// name to a value (a Sequential call creates the model); expression
// statements are calls on the model (add, compile, summary). Names used as
// arguments are replaced by what they were bound to, so
// `opt = Adam(lr=1e-3); model.compile(opt, ...)` works. Nothing is executed.

#include "ml/spec/python_model.h"

#include "ml/spec/keras_objects.h"
#include "ml/spec/syntax.h"

#include <algorithm>
#include <map>

namespace kafkaml::ml::spec {

namespace {

class Interpreter {
public:
	ModelSpec run(const std::vector<Statement> &statements) {
		for (const auto &statement : statements) {
			switch (statement.kind) {
			case StatementKind::Import:
				break;
			case StatementKind::Assign:
				assign(statement);
				break;
			case StatementKind::Expression:
				expression(statement.value);
				break;
			}
		}
		if (model_variable_.empty()) {
			fail({1, 1}, "no model is defined; expected an assignment such as model = tf.keras.Sequential([...])");
		}
		if (compile_call_) {
			model_.compile = compile_from_call(*compile_call_);
		}
		finish_model(model_, input_shape_, model_location_);
		return std::move(model_);
	}

private:
	//! Replaces bound names inside `value` by their values (a copy). The
	//! copy is bounded: chains like b = [a, a]; c = [b, b] would otherwise
	//! grow exponentially.
	Value resolve(const Value &value) {
		budget_ = kMaxNodes;
		return resolve_within_budget(value);
	}

	Value resolve_within_budget(const Value &value) {
		auto too_large = [&] {
			fail(value.location, "the definition is too large once its variables are substituted (over " +
			                         std::to_string(kMaxNodes) + " values)");
		};
		if (budget_ == 0) {
			too_large();
		}
		budget_--;
		if (value.kind == ValueKind::Name) {
			if (value.text == model_variable_) {
				fail(value.location, "the model '" + value.text + "' cannot be used as a value");
			}
			auto found = variables_.find(value.text);
			if (found == variables_.end()) {
				return value;
			}
			if (found->second.second > budget_) {
				too_large();
			}
			budget_ -= found->second.second;
			return found->second.first;
		}
		// Children are built one by one (not copied, then replaced), so each
		// node is copied once whatever the depth.
		Value copy;
		copy.kind = value.kind;
		copy.location = value.location;
		copy.name_location = value.name_location;
		copy.boolean = value.boolean;
		copy.integer = value.integer;
		copy.number = value.number;
		copy.text = value.text;
		copy.items.reserve(value.items.size());
		for (const auto &item : value.items) {
			copy.items.push_back(resolve_within_budget(item));
		}
		copy.keywords.reserve(value.keywords.size());
		for (const auto &keyword : value.keywords) {
			copy.keywords.push_back(Argument{keyword.name, keyword.location, resolve_within_budget(keyword.value)});
		}
		return copy;
	}

	void assign(const Statement &statement) {
		Value value = resolve(statement.value);
		if (statement.target == model_variable_) {
			fail(statement.location, "'" + statement.target + "' already holds the model; assign it only once");
		}
		if (value.kind == ValueKind::Call && is_sequential_name(value.text)) {
			if (!model_variable_.empty()) {
				fail(value.location,
				     "a second model is defined; a definition holds one Sequential model (the first is '" +
				         model_variable_ + "')");
			}
			sequential(statement.target, value);
			return;
		}
		if (value.kind == ValueKind::Call) {
			reject_functional(value);
		}
		size_t size = kMaxNodes - budget_;
		variables_[statement.target] = {std::move(value), size};
	}

	void reject_functional(const Value &call) const {
		std::string_view callee = call.text;
		if (callee.ends_with("Model") || callee.ends_with("Model.from_config") || callee.ends_with("load_model")) {
			fail(call.location, "only Sequential models are supported; write model = tf.keras.Sequential([...])");
		}
	}

	void sequential(const std::string &variable, const Value &call) {
		model_variable_ = variable;
		model_location_ = call.location;
		const Value *layers = nullptr;
		if (!call.items.empty()) {
			layers = &call.items[0];
		}
		if (call.items.size() > 2) {
			fail(call.items[2].location, "Sequential() takes at most 2 positional arguments (layers, name)");
		}
		if (call.items.size() == 2) {
			model_.name = string_argument(call.items[1], "name");
		}
		for (const auto &keyword : call.keywords) {
			if (keyword.name == "layers" && !layers) {
				layers = &keyword.value;
			} else if (keyword.name == "name" && call.items.size() < 2) {
				model_.name = string_argument(keyword.value, "name");
			} else {
				fail(keyword.location,
				     "unknown argument '" + keyword.name + "' for Sequential; expected layers or name");
			}
		}
		if (layers && layers->kind != ValueKind::None) {
			if (!layers->is_sequence()) {
				fail(layers->location, "Sequential expects a list of layers such as [tf.keras.layers.Dense(4)], not " +
				                           describe(*layers));
			}
			for (const auto &item : layers->items) {
				add_layer(model_, input_shape_, item);
			}
		}
	}

	static std::string string_argument(const Value &value, const std::string &what) {
		if (value.kind != ValueKind::String) {
			fail(value.location,
			     "argument '" + what + "' of Sequential must be a quoted string, not " + describe(value));
		}
		return value.text;
	}

	void expression(const Value &raw) {
		if (raw.kind == ValueKind::String) {
			return; // a docstring
		}
		if (raw.kind != ValueKind::Call) {
			fail(raw.location,
			     "a statement must be an import, an assignment or a call such as model.add(...), not " + describe(raw));
		}
		Value call = resolve(raw);
		auto dot = call.text.find('.');
		std::string object = call.text.substr(0, dot);
		std::string method = dot == std::string::npos ? "" : call.text.substr(dot + 1);
		if (is_sequential_name(call.text)) {
			fail(call.location,
			     "the Sequential model must be assigned to a variable, e.g. model = " + call.text + "(...)");
		}
		if (dot == std::string::npos || object != model_variable_ || model_variable_.empty()) {
			if (model_variable_.empty() && (method == "add" || method == "compile")) {
				fail(call.location,
				     "'" + object + "' is not defined; define it first with " + object + " = tf.keras.Sequential()");
			}
			fail(call.location, "unsupported statement " + describe(call) + "; expected calls on the model such as " +
			                        (model_variable_.empty() ? std::string("model") : model_variable_) + ".add(...)");
		}
		if (method == "add") {
			if (call.items.size() + call.keywords.size() != 1 ||
			    (!call.keywords.empty() && call.keywords[0].name != "layer")) {
				fail(call.location, call.text + "() takes exactly one layer");
			}
			if (compile_call_) {
				fail(call.location, "layers must be added before " + model_variable_ + ".compile(...)");
			}
			add_layer(model_, input_shape_, call.items.empty() ? call.keywords[0].value : call.items[0]);
			return;
		}
		if (method == "compile") {
			if (compile_call_) {
				fail(call.location, model_variable_ + ".compile(...) is called twice; keep one");
			}
			compile_call_ = call;
			return;
		}
		if (method == "summary" || method == "build") {
			return; // harmless: we print the summary ourselves and build from input_shape
		}
		if (method == "fit" || method == "evaluate" || method == "predict") {
			fail(call.location, call.text + "(...) is not part of a model definition; training options go in the "
			                                "deployment (batch, kwargs_fit, kwargs_val)");
		}
		fail(call.location, "unsupported model method '" + method + "'; expected add, compile or summary");
	}

	ModelSpec model_;
	std::string model_variable_;
	SourceLocation model_location_;
	std::optional<Shape> input_shape_;
	std::optional<Value> compile_call_;
	static constexpr size_t kMaxNodes = 20000;
	size_t budget_ = kMaxNodes;
	//! name -> (value, its node count)
	std::map<std::string, std::pair<Value, size_t>> variables_;
};

} // namespace

ModelSpec parse_python_model(std::string_view text) {
	return Interpreter().run(parse_python(text));
}

} // namespace kafkaml::ml::spec
