#pragma once

// The syntax tree of the Python subset that model definitions are written
// in: the statements and expressions the evaluator (evaluator.h) runs over
// symbolic Keras objects. Nodes own their children (unique_ptr); the tree is
// built once by the parser and only read afterwards.
//
// Thread-safety: plain values; a finished tree may be read from any thread.

#include "ml/spec/model_spec.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kafkaml::ml::spec {

enum class ExprKind {
	None,
	Bool,
	Int,
	Float,
	Str,
	FString,       //!< parts in `children`: Str literals and formatted fields (FormatField)
	FormatField,   //!< children[0] the value; `text` the format spec after ':' ("" when none)
	Name,          //!< `text`
	Attribute,     //!< children[0].`text`
	Call,          //!< children[0] the callee, then `positional` arguments, then keyword arguments (`keywords`)
	Starred,       //!< *children[0] in a call or a list display
	DoubleStarred, //!< **children[0] in a call (its keyword name is empty)
	Binary,        //!< children[0] `text` children[1]: + - * / // % ** @ & | ^ << >>
	Unary,         //!< `text` children[0]: - + not ~
	BoolOp,        //!< children joined by `text` ("and" / "or"), evaluated lazily
	Compare,       //!< children[0] ops[0] children[1] ops[1] children[2] ...
	IfElse,        //!< children[1] if children[0] else children[2]
	List,
	Tuple,
	Dict,      //!< keys and values interleaved in children
	Subscript, //!< children[0][children[1]]
	Slice,     //!< children: lower, upper, step (ExprKind::None when omitted)
	ListComp,  //!< children[0] the element, then `generators`
	DictComp,  //!< children[0] key, children[1] value, then `generators`
	Lambda,    //!< `params`, children[0] the body
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

//! `for target in iter if cond...` of a comprehension.
struct Comprehension {
	ExprPtr target;
	ExprPtr iter;
	std::vector<ExprPtr> conditions;
};

struct Param {
	std::string name;
	SourceLocation location;
	ExprPtr default_value;    //!< nullptr when none
	bool star = false;        //!< *args
	bool double_star = false; //!< **kwargs
};

struct Expr {
	ExprKind kind = ExprKind::None;
	//! Where the expression starts (a call or attribute: at its first name).
	SourceLocation location;
	//! Attribute: where the attribute's name is (errors about the name).
	SourceLocation name_location;
	bool boolean = false;
	int64_t integer = 0;
	double number = 0.0;
	std::string text;
	std::vector<ExprPtr> children;
	size_t positional = 0;             //!< Call: how many arguments after the callee are positional
	std::vector<std::string> keywords; //!< Call: names of the keyword arguments, in order
	std::vector<SourceLocation> keyword_locations;
	std::vector<std::string> ops; //!< Compare
	std::vector<Comprehension> generators;
	std::vector<Param> params; //!< Lambda
};

enum class StmtKind {
	Expression,
	Assign,    //!< targets = value (a = b = value has two targets)
	AugAssign, //!< targets[0] `op`= value
	If,        //!< value: the test; body; orelse (an elif is an If alone in orelse)
	For,       //!< targets[0] in value: body; orelse
	While,     //!< value: the test; body; orelse
	Def,       //!< name(params): body
	Class,     //!< name(bases in `targets`): body
	Return,    //!< value may be null
	Pass,
	Break,
	Continue,
	Import, //!< `imports`
	Global, //!< `names`
	Assert, //!< value, and the message in targets[0] when given
	Delete, //!< targets
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

//! One name an import binds: `import a.b as c` binds c to a.b;
//! `import a.b` binds a to a; `from a import b as c` binds c to a.b.
struct ImportName {
	std::string module; //!< the dotted path bound
	std::string bound;  //!< the local name
	SourceLocation location;
};

struct Stmt {
	StmtKind kind = StmtKind::Pass;
	SourceLocation location;
	size_t begin = 0; //!< byte offsets of the statement's text (for messages)
	size_t end = 0;
	std::vector<ExprPtr> targets;
	ExprPtr value;
	std::string op;   //!< AugAssign: "+", "-", ...
	std::string name; //!< Def, Class
	std::vector<Param> params;
	std::vector<ExprPtr> decorators;
	std::vector<StmtPtr> body;
	std::vector<StmtPtr> orelse;
	std::vector<ImportName> imports;
	std::vector<std::string> names; //!< Global
};

} // namespace kafkaml::ml::spec
