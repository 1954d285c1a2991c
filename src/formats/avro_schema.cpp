#include "formats/avro_schema.h"

#include "common/json_input.h"

#include "formats/format_error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace kafkaml::formats {
namespace {

using Kind = AvroNode::Kind;

//! Named types (records, enums) are resolved as the Avro specification
//! says: a name with a dot is a full name; a name without one is looked up in
//! the enclosing namespace, then in the null namespace; a nested named type
//! without a namespace of its own inherits the enclosing one.
class SchemaParser {
public:
	//! `space` is the enclosing namespace ("" = the null namespace).
	AvroNode parse(const nlohmann::json &type, const std::string &where, const std::string &space) {
		if (type.is_string()) {
			return parse_name(type.get<std::string>(), where, space);
		}
		if (type.is_array()) {
			return parse_union(type, where, space);
		}
		if (!type.is_object() || !type.contains("type")) {
			throw FormatError("Avro schema at " + where + ": expected a type name, a union or an object with \"type\"");
		}
		const auto &inner = type.at("type");
		if (!inner.is_string()) {
			return parse(inner, where, space);
		}
		auto kind = inner.get<std::string>();
		if (kind == "record" || kind == "error") {
			return parse_record(type, where, space);
		}
		if (kind == "enum") {
			AvroNode node{Kind::Enum};
			if (!type.contains("symbols") || !type["symbols"].is_array() || type["symbols"].empty()) {
				throw FormatError("Avro enum at " + where + " needs a non-empty \"symbols\" list");
			}
			node.enum_size = static_cast<int64_t>(type["symbols"].size());
			node.width = 1;
			remember(type, space, node);
			return node;
		}
		if (kind == "array") {
			if (!type.contains("items")) {
				throw FormatError("Avro array at " + where + " needs \"items\"");
			}
			AvroNode node{Kind::Array};
			node.children.push_back(parse(type["items"], where + "[]", space));
			node.width = 0;
			return node;
		}
		if (kind == "map" || kind == "fixed") {
			throw FormatError("Avro schema at " + where + ": type '" + kind +
			                  "' is not supported as a feature; use numbers, booleans, enums or arrays of them");
		}
		return parse_name(kind, where, space);
	}

private:
	std::map<std::string, AvroNode> named_; //!< by full name

	//! The full name of a named type, or "" when it has no name.
	static std::string full_name(const nlohmann::json &type, const std::string &space) {
		if (!type.contains("name") || !type["name"].is_string()) {
			return "";
		}
		auto name = type["name"].get<std::string>();
		if (name.find('.') != std::string::npos) {
			return name;
		}
		std::string own = space;
		if (type.contains("namespace") && type["namespace"].is_string()) {
			own = type["namespace"].get<std::string>();
		}
		return own.empty() ? name : own + "." + name;
	}

	//! The namespace a named type gives the types nested in it.
	static std::string namespace_of(const nlohmann::json &type, const std::string &space) {
		auto name = full_name(type, space);
		auto dot = name.rfind('.');
		return name.empty() ? space : dot == std::string::npos ? "" : name.substr(0, dot);
	}

	void remember(const nlohmann::json &type, const std::string &space, const AvroNode &node) {
		if (auto name = full_name(type, space); !name.empty()) {
			named_[name] = node;
		}
	}

	AvroNode parse_name(const std::string &name, const std::string &where, const std::string &space) {
		static const std::map<std::string, Kind> primitives = {
		    {"null", Kind::Null}, {"boolean", Kind::Boolean}, {"int", Kind::Int},
		    {"long", Kind::Long}, {"float", Kind::Float},     {"double", Kind::Double},
		};
		if (auto it = primitives.find(name); it != primitives.end()) {
			AvroNode node{it->second};
			node.width = it->second == Kind::Null ? 0 : 1;
			return node;
		}
		if (name.find('.') == std::string::npos && !space.empty()) {
			if (auto it = named_.find(space + "." + name); it != named_.end()) {
				return it->second;
			}
		}
		if (auto it = named_.find(name); it != named_.end()) {
			return it->second;
		}
		if (name == "string" || name == "bytes") {
			throw FormatError("Avro field " + where + " has type " + name +
			                  ", which is not a number; features and labels must be numeric (boolean, int, long, "
			                  "float, double, enum or arrays of them)");
		}
		std::string known;
		for (const auto &[full, node] : named_) {
			known += (known.empty() ? "" : ", ") + full;
		}
		throw FormatError("Avro schema at " + where + ": unknown type '" + name + "'" +
		                  (space.empty() ? "" : " (looked up in namespace '" + space + "' too)") +
		                  (known.empty() ? std::string("; no named type is defined before it")
		                                 : "; the named types defined before it are " + known));
	}

	AvroNode parse_union(const nlohmann::json &branches, const std::string &where, const std::string &space) {
		AvroNode node{Kind::Union};
		size_t width = 0;
		bool fixed = true;
		bool seen_value = false;
		for (const auto &branch : branches) {
			node.children.push_back(parse(branch, where, space));
			const auto &child = node.children.back();
			if (child.kind == Kind::Null) {
				continue;
			}
			if (child.width == 0) {
				fixed = false;
			} else if (seen_value && width != child.width) {
				fixed = false;
			}
			width = child.width;
			seen_value = true;
		}
		if (!seen_value) {
			throw FormatError("Avro union at " + where + " has no numeric branch");
		}
		node.width = fixed ? width : 0;
		return node;
	}

	AvroNode parse_record(const nlohmann::json &type, const std::string &where, const std::string &space) {
		auto inner_space = namespace_of(type, space);
		AvroNode node{Kind::Record};
		if (!type.contains("fields") || !type["fields"].is_array()) {
			throw FormatError("Avro record at " + where + " needs a \"fields\" list");
		}
		bool fixed = true;
		for (const auto &field : type["fields"]) {
			if (!field.is_object() || !field.contains("name") || !field["name"].is_string() ||
			    !field.contains("type")) {
				throw FormatError("Avro record at " + where + ": every field needs \"name\" and \"type\"");
			}
			auto name = field["name"].get<std::string>();
			auto child = parse(field["type"], where.empty() ? name : where + "." + name, inner_space);
			child.name = name;
			fixed = fixed && child.width != 0;
			node.width += child.width;
			node.children.push_back(std::move(child));
		}
		if (node.children.empty()) {
			throw FormatError("Avro record at " + where + " has no fields");
		}
		if (!fixed) {
			node.width = 0;
		}
		remember(type, space, node);
		return node;
	}
};

//! Calls `leaf(node, name)` for every leaf field in feature order.
template <typename Leaf>
void for_each_leaf(const AvroNode &node, const std::string &prefix, const Leaf &leaf) {
	if (node.kind != Kind::Record) {
		leaf(node, prefix);
		return;
	}
	for (const auto &child : node.children) {
		for_each_leaf(child, prefix.empty() ? child.name : prefix + "." + child.name, leaf);
	}
}

} // namespace

AvroSchema AvroSchema::parse(std::string_view json_text) {
	nlohmann::json schema;
	try {
		schema = parse_json(json_text);
	} catch (const JsonInputError &e) {
		throw FormatError(std::string("Avro schema is not valid JSON: ") + e.what());
	}
	return from_json(schema);
}

AvroSchema AvroSchema::from_json(const nlohmann::json &schema) {
	if (schema.is_string()) {
		// A schema given as JSON text inside JSON, or a bare primitive name.
		auto text = schema.get<std::string>();
		auto first = text.find_first_not_of(" \t\r\n");
		if (first != std::string::npos && (text[first] == '{' || text[first] == '[' || text[first] == '"')) {
			return parse(text);
		}
	}
	AvroSchema out;
	SchemaParser parser;
	out.root_ = parser.parse(schema, "", "");
	out.text_ = schema.dump();
	return out;
}

std::vector<std::string> AvroSchema::field_names() const {
	std::vector<std::string> names;
	for_each_leaf(root_, "", [&](const AvroNode &, const std::string &name) { names.push_back(name); });
	return names;
}

std::vector<bool> AvroSchema::nullable_fields() const {
	std::vector<bool> nullable;
	for_each_leaf(root_, "", [&](const AvroNode &node, const std::string &) {
		nullable.push_back(node.kind == Kind::Union &&
		                   std::any_of(node.children.begin(), node.children.end(),
		                               [](const AvroNode &branch) { return branch.kind == Kind::Null; }));
	});
	return nullable;
}

} // namespace kafkaml::formats
