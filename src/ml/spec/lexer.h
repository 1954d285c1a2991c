#pragma once

// Tokenizer for the Python subset of model definitions and for JSON (which
// is lexically a subset of it, bar `true`/`false`/`null` which come out as
// names). Newlines inside brackets and after a backslash are joined, as in
// Python; at bracket depth 0 they end a statement. In statement mode the
// indentation of each logical line opens (Indent) and closes (Dedent) blocks,
// as Python's tokenizer does; JSON and keyword lists have no blocks.
//
// Thread-safety: a Lexer is used by one thread; no shared state.

#include "ml/spec/value.h"

#include <string>
#include <string_view>
#include <vector>

namespace kafkaml::ml::spec {

//! Indent/Dedent: a block opens or closes (statement mode only).
enum class TokenKind { Name, Int, Float, String, Op, Newline, Indent, Dedent, End };

struct Token {
	TokenKind kind = TokenKind::End;
	SourceLocation location;
	std::string text; //!< Name, Op: as written; String: decoded content
	int64_t integer = 0;
	double number = 0.0;
	char quote = 0;         //!< String: the opening quote character
	bool formatted = false; //!< String: an f-string; `text` keeps its braces ({{ and }} undecoded)
	size_t offset = 0;      //!< byte offset of the token's first character
	size_t end = 0;         //!< byte offset just past the token
};

//! Splits `text` into tokens; throws ModelDefinitionError on a character or
//! literal outside Python (unterminated string, `$`, ...). `statements`:
//! Python code with blocks (Indent/Dedent); otherwise one expression-like
//! text where indentation means nothing. `origin` shifts every location (an
//! f-string field is tokenized on its own, at its place in the text).
std::vector<Token> tokenize(std::string_view text, bool statements, SourceLocation origin = {1, 1});

//! "'('", "a name 'foo'", "end of line": how a token is named in messages.
std::string describe(const Token &token);

} // namespace kafkaml::ml::spec
