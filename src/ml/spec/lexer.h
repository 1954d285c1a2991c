#pragma once

// Tokenizer for the Python subset of model definitions and for JSON (which
// is lexically a subset of it, bar `true`/`false`/`null` which come out as
// names). Newlines inside brackets and after a backslash are joined, as in
// Python; at bracket depth 0 they end a statement. Indented statements are
// marked with an Indent token, which the parser rejects: the subset has no blocks.
//
// Thread-safety: a Lexer is used by one thread; no shared state.

#include "ml/spec/value.h"

#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::ml::spec {

//! Indent: a statement that starts after column 1 (the subset has no blocks).
enum class TokenKind { Name, Int, Float, String, Op, Newline, Indent, End };

struct Token {
	TokenKind kind = TokenKind::End;
	SourceLocation location;
	std::string text; //!< Name, Op: as written; String: decoded content
	int64_t integer = 0;
	double number = 0.0;
	char quote = 0; //!< String: the opening quote character
};

//! Splits `text` into tokens; throws ModelDefinitionError on a character or
//! literal outside the subset (unterminated string, `==`, `@`, ...).
//! `statements`: Python code, where a line may not start indented.
std::vector<Token> tokenize(std::string_view text, bool statements);

//! "'('", "a name 'foo'", "end of line": how a token is named in messages.
std::string describe(const Token &token);

} // namespace kafkaml::ml::spec
