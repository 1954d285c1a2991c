#include "ml/spec/eval_object.h"

namespace kafkaml::ml::spec {

Object make_none() {
	return Object{};
}

Object make_bool(bool value) {
	Object object;
	object.kind = ObjectKind::Bool;
	object.boolean = value;
	return object;
}

Object make_int(int64_t value) {
	Object object;
	object.kind = ObjectKind::Int;
	object.integer = value;
	return object;
}

Object make_float(double value) {
	Object object;
	object.kind = ObjectKind::Float;
	object.number = value;
	return object;
}

Object make_str(std::string value) {
	Object object;
	object.kind = ObjectKind::Str;
	object.text = std::move(value);
	return object;
}

Object make_list(std::vector<Object> items) {
	Object object;
	object.kind = ObjectKind::List;
	object.items = std::make_shared<std::vector<Object>>(std::move(items));
	return object;
}

Object make_tuple(std::vector<Object> items) {
	Object object = make_list(std::move(items));
	object.kind = ObjectKind::Tuple;
	return object;
}

Object make_dict() {
	Object object;
	object.kind = ObjectKind::Dict;
	object.dict = std::make_shared<DictData>();
	return object;
}

Object make_builtin(std::string path) {
	Object object;
	object.kind = ObjectKind::Builtin;
	object.text = std::move(path);
	return object;
}

Object make_tensor(int64_t id, SourceLocation location) {
	Object tensor;
	tensor.kind = ObjectKind::Tensor;
	tensor.id = id;
	tensor.location = location;
	return tensor;
}

Object make_layer(int64_t id, SourceLocation location) {
	Object layer;
	layer.kind = ObjectKind::Layer;
	layer.id = id;
	layer.location = location;
	return layer;
}

int64_t model_of(const Object &object) {
	if (object.kind == ObjectKind::Model) {
		return object.id;
	}
	if (object.kind == ObjectKind::Instance && object.instance) {
		return object.instance->model;
	}
	return -1;
}

std::string type_name(const Object &object) {
	switch (object.kind) {
	case ObjectKind::None:
		return "None";
	case ObjectKind::Bool:
		return "bool";
	case ObjectKind::Int:
		return "int";
	case ObjectKind::Float:
		return "float";
	case ObjectKind::Str:
		return "str";
	case ObjectKind::List:
		return "list";
	case ObjectKind::Tuple:
		return "tuple";
	case ObjectKind::Dict:
		return "dict";
	case ObjectKind::Range:
		return "range";
	case ObjectKind::Function:
		return "function";
	case ObjectKind::Builtin:
		return "'" + object.text + "'";
	case ObjectKind::Module:
		return "module '" + object.text + "'";
	case ObjectKind::Unavailable:
		return "module '" + object.text + "'";
	case ObjectKind::Class:
		return "class";
	case ObjectKind::Instance:
		return object.klass ? object.klass->name + " object" : "object";
	case ObjectKind::BoundMethod:
		return "method";
	case ObjectKind::Layer:
		return "a Keras layer";
	case ObjectKind::Tensor:
		return "a Keras tensor";
	case ObjectKind::Model:
		return "a Keras model";
	case ObjectKind::Keras:
		return object.call ? object.call->text + "(...)" : "a Keras object";
	case ObjectKind::Environ:
		return "os.environ";
	case ObjectKind::Slice:
		return "slice";
	case ObjectKind::Super:
		return "super";
	}
	return "object";
}

} // namespace kafkaml::ml::spec
