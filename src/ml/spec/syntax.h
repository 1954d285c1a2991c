#pragma once

// Recursive-descent parser from tokens to Values and statements. One grammar
// serves the Python subset and JSON:
//   program    := statement*
//   statement  := import-line | NAME '=' expr | expr          (one per line)
//   expr       := ['-'|'+'] number | string+ | dotted-name [ '(' args ')' ]
//               | '[' exprs ']' | '(' exprs ')' | '{' string ':' expr, ... '}'
//   args       := expr, ..., NAME '=' expr, ...
// Nesting is bounded (kMaxDepth) so that no input can exhaust the stack.
//
// Thread-safety: pure functions.

#include "ml/spec/value.h"

#include <string_view>
#include <vector>

namespace kafkaml::ml::spec {

constexpr int kMaxDepth = 64;

enum class StatementKind { Import, Assign, Expression };

struct Statement {
	StatementKind kind = StatementKind::Expression;
	SourceLocation location;
	std::string target; //!< Assign: the variable name
	Value value;
};

//! Parses Python-subset code; `True`/`False`/`None` are literals.
std::vector<Statement> parse_python(std::string_view text);

//! Parses one JSON document; `true`/`false`/`null` are literals. Nothing
//! may follow the document.
Value parse_json(std::string_view text);

//! Parses a bare keyword-argument list such as "epochs=5, shuffle=True"
//! (Python literals) into a Dict value.
Value parse_keyword_list(std::string_view text);

} // namespace kafkaml::ml::spec
