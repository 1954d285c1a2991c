#pragma once

// Recursive-descent parser from tokens to Values, for the literal forms:
// JSON documents and fit/evaluate keyword lists (Python literals). Model
// code in Python goes through python_parser.h and the evaluator instead.
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

//! Parses one JSON document; `true`/`false`/`null` are literals. Nothing
//! may follow the document.
Value parse_json(std::string_view text);

//! Parses a bare keyword-argument list such as "epochs=5, shuffle=True"
//! (Python literals) into a Dict value.
Value parse_keyword_list(std::string_view text);

} // namespace kafkaml::ml::spec
