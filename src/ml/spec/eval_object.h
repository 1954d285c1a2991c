#pragma once

// The values a model definition computes with: Python's plain values (None,
// bool, int, float, str, list, tuple, dict), the user's functions, classes
// and instances, and symbolic Keras objects (modules, layers, tensors,
// models, optimizer/loss/metric objects). Nothing here runs user code; a
// Keras object is only a description that the graph builder and
// keras_objects.h interpret.
//
// Lists, dicts and instances are shared by reference, as in Python
// (`layers_list.append(x)` is seen through every name bound to the list), so
// they live behind shared_ptr; everything else is a plain value.
//
// Thread-safety: one evaluation owns its objects; no sharing across threads.

#include "ml/spec/python_ast.h"
#include "ml/spec/value.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kafkaml::ml::spec {

enum class ObjectKind {
	None,
	Bool,
	Int,
	Float,
	Str,
	List,
	Tuple,
	Dict,
	Range,       //!< range(start, stop, step): integer, number, boolean hold them (see Object)
	Function,    //!< a def or lambda of the user
	Builtin,     //!< a Python builtin or a Keras/TF/NumPy callable or constant, by canonical path in `text`
	Module,      //!< a modelled module (tf, keras.layers, np, ...), canonical path in `text`
	Unavailable, //!< an imported module that is not modelled: any use is an error naming it
	Class,       //!< a class of the user
	Instance,    //!< an instance of a user class (a subclassed model or layer)
	BoundMethod, //!< `receiver`.`text`
	Layer,       //!< a Keras layer: `id` in the graph builder
	Tensor,      //!< a symbolic Keras tensor: `id` in the graph builder
	Model,       //!< a Keras model: `id` in the graph builder
	Keras,       //!< optimizer, loss, metric, regularizer, initializer, schedule: `call` describes it
	Environ,     //!< os.environ (assignments to it are ignored)
	Slice,       //!< a[lower:upper:step]: the three in `items` (None when omitted)
	Super,       //!< super(): `receiver` is the instance, `klass` the class to look above
};

struct Object;
struct FunctionData;
struct ClassData;
struct InstanceData;

//! Python dict: insertion-ordered; keys compared by value (small dicts,
//! linear search charged to the step budget).
struct DictData {
	std::vector<std::pair<Object, Object>> entries;
};

struct Object {
	ObjectKind kind = ObjectKind::None;
	bool boolean = false;
	int64_t integer = 0; //!< Int; Range: start
	double number = 0.0; //!< Float
	int64_t stop = 0;    //!< Range
	int64_t step = 1;    //!< Range
	std::string text;    //!< Str; Builtin/Module path; BoundMethod method name; Unavailable module
	std::shared_ptr<std::vector<Object>> items; //!< List, Tuple
	std::shared_ptr<DictData> dict;             //!< Dict
	std::shared_ptr<FunctionData> function;     //!< Function
	std::shared_ptr<ClassData> klass;           //!< Class, Instance
	std::shared_ptr<InstanceData> instance;     //!< Instance
	std::shared_ptr<Object> receiver;           //!< BoundMethod
	int64_t id = -1;                            //!< Layer, Tensor, Model
	std::shared_ptr<const Value> call;          //!< Keras: the call as literal values
	SourceLocation location;                    //!< where it was made (messages)

	bool is_number() const { return kind == ObjectKind::Int || kind == ObjectKind::Float || kind == ObjectKind::Bool; }
	double as_double() const {
		return kind == ObjectKind::Float ? number : static_cast<double>(kind == ObjectKind::Bool ? boolean : integer);
	}
	bool is_sequence() const { return kind == ObjectKind::List || kind == ObjectKind::Tuple; }
};

struct Scope;

struct FunctionData {
	std::string name;
	const std::vector<Param> *params = nullptr;
	const std::vector<StmtPtr> *body = nullptr; //!< def
	const Expr *lambda_body = nullptr;          //!< lambda
	std::vector<Object> defaults;               //!< evaluated at definition, one per param (None when none)
	std::vector<bool> has_default;
	std::shared_ptr<Scope> closure;   //!< the enclosing function's scope; null at module level
	std::shared_ptr<ClassData> owner; //!< a method's class (for super())
	SourceLocation location;
};

struct ClassData {
	std::string name;
	std::vector<Object> bases; //!< Class objects or Keras base classes (Builtin)
	std::map<std::string, Object> attributes;
	SourceLocation location;
};

struct InstanceData {
	std::map<std::string, Object> attributes;
	std::vector<std::string> order; //!< attribute names in assignment order (Keras tracks layers so)
	int64_t model = -1;             //!< the graph builder's model of a keras.Model subclass
};

//! A Python-level name scope: a function call's locals or the module.
struct Scope {
	std::map<std::string, Object> names;
	std::shared_ptr<Scope> enclosing; //!< for closures; null at module level
	std::vector<std::string> globals; //!< names declared `global`
};

Object make_none();
Object make_bool(bool value);
Object make_int(int64_t value);
Object make_float(double value);
Object make_str(std::string value);
Object make_list(std::vector<Object> items);
Object make_tuple(std::vector<Object> items);
Object make_dict();
Object make_builtin(std::string path);
//! References to the graph builder's tensors, layers and models.
Object make_tensor(int64_t id, SourceLocation location);
Object make_layer(int64_t id, SourceLocation location);
//! The graph builder's model of a Model object or of an instance of a
//! keras.Model subclass; -1 for anything else.
int64_t model_of(const Object &object);

//! "int", "list", "a Keras tensor", ...: the type as messages name it.
std::string type_name(const Object &object);

} // namespace kafkaml::ml::spec
