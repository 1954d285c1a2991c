#pragma once

// The bounds that make evaluating a model definition safe on any input: a
// definition is user text run by the server, so time, memory, recursion and
// size are all capped, and reaching a cap is a ModelDefinitionError naming
// it (README.md lists them).
//
// Thread-safety: constants.

#include <cstddef>
#include <cstdint>

namespace kafkaml::ml::spec {

//! Largest definition text accepted, in bytes.
constexpr size_t kMaxTextBytes = size_t{1} << 20;
//! Nesting of brackets, operators and blocks the parser follows.
constexpr int kMaxParseDepth = 64;
//! Evaluation steps (statements, expressions, loop iterations, elements
//! touched by builtins) for one definition.
constexpr int64_t kMaxSteps = 1'000'000;
//! Nested function calls (Python recursion).
constexpr int kMaxCallDepth = 64;
//! Nested evaluation over all calls (expressions inside calls inside
//! expressions), which bounds the evaluator's own stack.
constexpr int kMaxEvalDepth = 512;
//! Nesting of values (lists in lists, ...) that conversions follow.
constexpr int kMaxValueDepth = 64;
//! Elements of one list, tuple or dict, and characters of one string.
constexpr size_t kMaxSequenceLength = 100'000;
constexpr size_t kMaxStringLength = 100'000;
//! Elements and characters created in total over the evaluation.
constexpr int64_t kMaxAllocated = 1'000'000;
//! Layer applications (graph nodes) in total.
constexpr size_t kMaxGraphNodes = 100'000;

} // namespace kafkaml::ml::spec
