#pragma once

// The bounded evaluator of the Keras-building subset of Python. It runs a
// definition's statements over the objects of eval_object.h: Python values
// are computed (arithmetic on shapes, loops, functions, comprehensions),
// Keras calls build a symbolic graph (functional_graph.h), and nothing else
// happens: no module is imported, no user code leaves the evaluator, no
// file or network is touched. Every step, allocation and nested call is
// counted against eval_bounds.h, so any text ends in a result or an error.
//
// The parts: evaluator.cpp (statements, expressions, scopes, calls),
// eval_operators.cpp (operators, indexing, conversions), eval_builtins.cpp
// (len, range, zip, ...), keras_namespace.cpp (the modules and Keras calls),
// keras_models.cpp (Sequential, functional and subclassed models).
//
// Thread-safety: an Evaluator is used by one thread; evaluations share nothing.

#include "ml/spec/eval_object.h"
#include "ml/spec/functional_graph.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::ml::spec {

//! Evaluated arguments of one call.
struct CallArgs {
	SourceLocation location;  //!< the call's
	SourceLocation callee_at; //!< the callee's last name (Dense in layers.Dense)
	std::vector<Object> positional;
	std::vector<SourceLocation> positional_at;
	std::vector<std::pair<std::string, Object>> keywords;
	std::vector<SourceLocation> keyword_at;       //!< of each keyword's name
	std::vector<SourceLocation> keyword_value_at; //!< of each keyword's value

	const Object *keyword(std::string_view name) const;
	SourceLocation keyword_location(std::string_view name) const;
	//! The argument bound to `name` by position `index` or keyword; nullptr when absent.
	const Object *argument(size_t index, std::string_view name) const;
	SourceLocation argument_location(size_t index, std::string_view name) const;
	size_t count() const { return positional.size() + keywords.size(); }
};

enum class ModelKind { Sequential, Functional, Subclassed };

//! A Keras model the definition made. Sequential and subclassed models get
//! their graph when first needed (materialize() in keras_models.cpp).
struct ModelData {
	ModelKind kind = ModelKind::Sequential;
	std::string name;
	std::string class_name; //!< Sequential, Functional or the subclass' name
	SourceLocation location;
	// Sequential: layers and nested models in order, and what fixes the input
	std::vector<Object> entries;
	std::optional<Shape> input_shape;
	std::string input_name;
	std::string input_dtype = "float32";
	SourceLocation input_location;
	// Subclassed: the instance whose call() builds the graph
	Object instance;
	// Graph (Functional at once; the others when materialized)
	bool materialized = false;
	std::vector<int64_t> inputs; //!< tensor ids
	std::vector<OutputName> outputs;
	bool dict_outputs = false;
	std::optional<Value> compile; //!< model.compile(...) as literal values
	SourceLocation compile_location;
	std::optional<bool> trainable; //!< model.trainable = ... (applied to its layers)
};

//! A keras.applications call that takes its weights from the uploaded
//! file: the layers it added to the graph are [first_layer, end_layer).
struct PretrainedBase {
	PretrainedSpec spec; //!< without its layers, which the chosen model decides
	int64_t first_layer = 0;
	int64_t end_layer = 0;
};

class Evaluator {
public:
	explicit Evaluator(std::string_view source);
	//! Breaks every reference between the evaluation's containers first, so
	//! that cycles (a list holding itself) are freed and long chains do not
	//! recurse when destroyed.
	~Evaluator();
	Evaluator(const Evaluator &) = delete;
	Evaluator &operator=(const Evaluator &) = delete;

	//! Runs the module's statements. Throws ModelDefinitionError.
	void run(const std::vector<StmtPtr> &program);

	// ---- used by the parts (builtins, Keras namespace, models) ----
	//! New containers, charged to the allocation bound and owned by the
	//! evaluation (see ~Evaluator).
	Object new_list(std::vector<Object> items, SourceLocation location);
	Object new_tuple(std::vector<Object> items, SourceLocation location);
	Object new_dict(SourceLocation location);
	std::shared_ptr<Scope> new_scope(std::shared_ptr<Scope> enclosing);
	Object call(const Object &callee, CallArgs &args);
	//! Counts `steps` evaluation steps; throws past kMaxSteps.
	void charge(int64_t steps, SourceLocation location);
	//! Counts `count` new elements or characters; throws past the bounds.
	void allocate(size_t count, SourceLocation location);
	//! Records the statement being run as one without effect on the model.
	void ignore_statement();

	Object attribute(const Object &object, const std::string &name, SourceLocation location);
	void set_attribute(const Object &object, const std::string &name, Object value, SourceLocation location);
	//! Elements of an iterable (list, tuple, dict keys, range, str), charged.
	std::vector<Object> iterate(const Object &object, SourceLocation location);

	//! The literal form of an argument for keras_objects.h: numbers,
	//! strings, lists, tuples, dicts, Keras objects and layers (wrappers).
	Value to_literal(const Object &object, SourceLocation location);

	GraphBuilder &graph() { return graph_; }
	std::vector<ModelData> &models() { return models_; }
	ModelData &model(int64_t id) { return models_.at(static_cast<size_t>(id)); }
	const std::vector<IgnoredStatement> &ignored() const { return ignored_; }
	std::vector<PretrainedBase> &pretrained() { return pretrained_; }
	//! The value a module-level name holds, if any.
	const Object *global(const std::string &name) const;
	int call_depth() const { return call_depth_; }
	//! super() or super(Class, self) inside a method.
	Object super_object(CallArgs &args);

	//! Runs the source of a built-in architecture (keras.applications) in a
	//! fresh module scope over the same graph; returns the name `result`.
	Object run_embedded(std::string_view source, const std::string &result,
	                    std::vector<std::pair<std::string, Object>> bindings);

private:
	enum class Flow { Normal, Return, Break, Continue };

	using ScopePtr = std::shared_ptr<Scope>;

	Flow execute(const std::vector<StmtPtr> &body, const ScopePtr &scope);
	Flow execute(const Stmt &statement, const ScopePtr &scope);
	//! One pass of a loop's body; a value when the loop must end with it.
	std::optional<Flow> iteration(const Stmt &loop, const ScopePtr &scope);
	Object evaluate(const Expr &expr, const ScopePtr &scope);
	Object evaluate_inner(const Expr &expr, const ScopePtr &scope);

	void assign(const Expr &target, Object value, const ScopePtr &scope);
	void bind(Scope &scope, const std::string &name, Object value);
	Object lookup(const std::string &name, const ScopePtr &scope, SourceLocation location);
	Object evaluate_call(const Expr &expr, const ScopePtr &scope);
	Object call_function(const Object &function, CallArgs &args, const Object *self);
	Object instantiate(const Object &klass, CallArgs &args);
	Object comprehension(const Expr &expr, const ScopePtr &scope);
	void comprehension_level(const Expr &expr, size_t level, const ScopePtr &scope, Object &result);
	Object format_string(const Expr &expr, const ScopePtr &scope);
	void import(const Stmt &statement, const ScopePtr &scope);
	void define_class(const Stmt &statement, const ScopePtr &scope);
	Object make_function(const std::string &name, const std::vector<Param> &params, const std::vector<StmtPtr> *body,
	                     const Expr *lambda_body, const ScopePtr &scope, SourceLocation location);
	Object class_attribute(const Object &klass, const std::string &name) const;
	bool is_keras_class(const Object &klass) const;

	std::string_view source_;
	// Every container, scope and instance the evaluation made (~Evaluator).
	std::vector<std::shared_ptr<std::vector<Object>>> owned_lists_;
	std::vector<std::shared_ptr<DictData>> owned_dicts_;
	std::vector<std::shared_ptr<Scope>> owned_scopes_;
	std::vector<std::shared_ptr<InstanceData>> owned_instances_;
	std::vector<std::shared_ptr<ClassData>> owned_classes_;
	std::vector<std::shared_ptr<FunctionData>> owned_functions_;
	std::shared_ptr<Scope> module_;
	//! Built-in architectures' texts and syntax trees (run_embedded).
	std::vector<std::unique_ptr<std::string>> embedded_sources_;
	std::vector<std::unique_ptr<std::vector<StmtPtr>>> embedded_programs_;
	GraphBuilder graph_;
	std::vector<ModelData> models_;
	std::vector<IgnoredStatement> ignored_;
	std::vector<PretrainedBase> pretrained_;
	const Stmt *current_statement_ = nullptr;
	int64_t steps_ = 0;
	int64_t allocated_ = 0;
	int call_depth_ = 0;
	int expression_depth_ = 0;
	Object return_value_;
	//! (self, the class defining the running method) per call, for super().
	std::vector<std::pair<Object, std::shared_ptr<ClassData>>> method_stack_;
};

//! Python's truth value.
bool truthy(const Object &object);
//! Python's ==, for the plain values (others compare by identity).
bool equals(const Object &a, const Object &b);
//! str(x) and repr(x) for plain values.
std::string to_str(const Object &object);
std::string repr(const Object &object);

Object binary_operation(Evaluator &evaluator, const std::string &op, const Object &a, const Object &b,
                        SourceLocation location);
Object unary_operation(const std::string &op, const Object &a, SourceLocation location);
bool compare(Evaluator &evaluator, const std::string &op, const Object &a, const Object &b, SourceLocation location);
Object subscript(Evaluator &evaluator, const Object &container, const Object &index, SourceLocation location);
void set_item(Evaluator &evaluator, const Object &container, const Object &index, Object value,
              SourceLocation location);
//! Applies an f-string format spec ("", ".2f", "d", "03d", ">5", ...).
std::string format_value(const Object &value, const std::string &spec, SourceLocation location);

//! Python builtins by name (len, range, ...): nullopt when not one.
std::optional<Object> python_builtin(const std::string &name);
Object call_python_builtin(Evaluator &evaluator, const std::string &name, CallArgs &args);
//! Methods of plain values: list.append, dict.items, str.format, ...
Object call_value_method(Evaluator &evaluator, const Object &receiver, const std::string &name, CallArgs &args);

} // namespace kafkaml::ml::spec
