#include "ml/spec/value.h"

#include "ml/spec/parse.h"

namespace kafkaml::ml::spec {

const Value *Value::find(std::string_view key) const {
	for (const auto &entry : keywords) {
		if (entry.name == key) {
			return &entry.value;
		}
	}
	return nullptr;
}

std::string describe(const Value &value) {
	switch (value.kind) {
	case ValueKind::None:
		return "None";
	case ValueKind::Bool:
		return value.boolean ? "True" : "False";
	case ValueKind::Int:
		return "the integer " + std::to_string(value.integer);
	case ValueKind::Float:
		return "a decimal number";
	case ValueKind::String:
		return value.text.size() <= 40 ? "the string '" + value.text + "'" : "a string";
	case ValueKind::Name:
		return "the name '" + value.text + "'";
	case ValueKind::List:
		return "a list";
	case ValueKind::Tuple:
		return "a tuple";
	case ValueKind::Dict:
		return "an object";
	case ValueKind::Call:
		return "a call of " + value.text + "(...)";
	}
	return "a value";
}

void fail(SourceLocation location, std::string reason) {
	throw ModelDefinitionError(location, std::move(reason));
}

} // namespace kafkaml::ml::spec
