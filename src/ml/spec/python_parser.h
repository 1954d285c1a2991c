#pragma once

// Recursive-descent parser from Python source to the syntax tree of
// python_ast.h: the statements and expressions of Python that model
// definitions use (blocks, def, class, for, while, if, comprehensions,
// f-strings, every operator). Constructs that cannot build a model (try,
// with, yield, async, raise, ...) are errors naming them.
//
// Nesting is bounded (kMaxParseDepth) so that no input can exhaust the stack:
// a text of 100,000 '(' is an error, not a crash.
//
// Thread-safety: pure function.

#include "ml/spec/python_ast.h"

#include <string_view>
#include <vector>

namespace kafkaml::ml::spec {

//! Throws ModelDefinitionError with the line and column of the first
//! syntax error.
std::vector<StmtPtr> parse_python_program(std::string_view text);

} // namespace kafkaml::ml::spec
