#include "ml/spec/lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>

namespace kafkaml::ml::spec {

namespace {

bool is_name_start(char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) {
	return c >= '0' && c <= '9';
}

void append_utf8(std::string &out, uint32_t code) {
	if (code < 0x80) {
		out += static_cast<char>(code);
	} else if (code < 0x800) {
		out += static_cast<char>(0xC0 | (code >> 6));
		out += static_cast<char>(0x80 | (code & 0x3F));
	} else if (code < 0x10000) {
		out += static_cast<char>(0xE0 | (code >> 12));
		out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (code & 0x3F));
	} else {
		out += static_cast<char>(0xF0 | (code >> 18));
		out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
		out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (code & 0x3F));
	}
}

//! Walks the text once; tracks line/column and bracket depth.
class Lexer {
public:
	Lexer(std::string_view text, bool statements, SourceLocation origin)
	    : text_(text), statements_(statements), line_(origin.line), column_(origin.column) {}

	std::vector<Token> run() {
		while (true) {
			skip_blanks();
			if (pos_ >= text_.size()) {
				break;
			}
			char c = text_[pos_];
			if (c == '\n') {
				newline();
				continue;
			}
			if (statements_ && at_line_start_ && depth_ == 0) {
				indentation();
			}
			at_line_start_ = false;
			if (is_name_start(c)) {
				lex_name();
			} else if (is_digit(c) || (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) {
				lex_number();
			} else if (c == '\'' || c == '"') {
				lex_string(false, false);
			} else {
				lex_operator();
			}
		}
		if (depth_ > 0) {
			fail(open_brackets_.back().location,
			     "'" + open_brackets_.back().text + "' is never closed; expected a matching closing bracket");
		}
		push_newline();
		while (indents_.size() > 1) {
			indents_.pop_back();
			push_simple(TokenKind::Dedent);
		}
		push_simple(TokenKind::End);
		return std::move(tokens_);
	}

private:
	SourceLocation here() const { return {line_, column_}; }

	void push_simple(TokenKind kind) {
		Token token;
		token.kind = kind;
		token.location = here();
		token.offset = pos_;
		token.end = pos_;
		tokens_.push_back(std::move(token));
	}

	//! Python's rule: a line indented deeper than the enclosing block opens
	//! one; a shallower line closes blocks down to a level seen before.
	void indentation() {
		size_t width = 0;
		for (size_t i = line_start_; i < pos_; i++) {
			width = text_[i] == '\t' ? (width / 8 + 1) * 8 : width + 1;
		}
		if (width > indents_.back()) {
			indents_.push_back(width);
			push_simple(TokenKind::Indent);
			return;
		}
		while (width < indents_.back()) {
			indents_.pop_back();
			push_simple(TokenKind::Dedent);
		}
		if (width != indents_.back()) {
			fail(here(), "this line's indentation matches no enclosing block; indent it like the lines of the "
			             "block it belongs to");
		}
	}

	void advance(size_t n = 1) {
		for (size_t i = 0; i < n && pos_ < text_.size(); i++) {
			if (text_[pos_] == '\n') {
				line_++;
				column_ = 1;
			} else if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) {
				column_++; // columns count characters: UTF-8 continuation bytes add none
			}
			pos_++;
		}
	}

	void skip_blanks() {
		while (pos_ < text_.size()) {
			char c = text_[pos_];
			if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
				advance();
			} else if (c == '#') {
				while (pos_ < text_.size() && text_[pos_] != '\n') {
					advance();
				}
			} else if (c == '\\' && pos_ + 1 < text_.size() &&
			           (text_[pos_ + 1] == '\n' ||
			            (text_[pos_ + 1] == '\r' && pos_ + 2 < text_.size() && text_[pos_ + 2] == '\n'))) {
				advance(text_[pos_ + 1] == '\r' ? 3 : 2);
			} else {
				return;
			}
		}
	}

	void newline() {
		if (depth_ == 0) {
			push_newline();
			at_line_start_ = true;
		}
		advance();
		line_start_ = pos_;
	}

	void push_newline() {
		if (tokens_.empty() || tokens_.back().kind == TokenKind::Newline || tokens_.back().kind == TokenKind::Dedent) {
			return;
		}
		push_simple(TokenKind::Newline);
	}

	void lex_name() {
		Token token;
		token.kind = TokenKind::Name;
		token.location = here();
		size_t start = pos_;
		while (pos_ < text_.size() && (is_name_start(text_[pos_]) || is_digit(text_[pos_]))) {
			advance();
		}
		token.text = std::string(text_.substr(start, pos_ - start));
		if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"') && statements_) {
			std::string prefix = token.text;
			for (auto &ch : prefix) {
				ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
			}
			static const std::set<std::string, std::less<>> kPrefixes = {"r", "u", "b", "f", "rb", "br", "fr", "rf"};
			if (!kPrefixes.count(prefix)) {
				fail(token.location, "string prefix '" + token.text + "' is not Python; write a plain quoted string");
			}
			lex_string(prefix.find('r') != std::string::npos, prefix.find('f') != std::string::npos, token.location,
			           start);
			return;
		}
		token.offset = start;
		token.end = pos_;
		tokens_.push_back(std::move(token));
	}

	void lex_number() {
		Token token;
		token.location = here();
		token.offset = pos_;
		size_t start = pos_;
		bool is_float = false;
		std::string digits; // without the '_' separators Python allows
		auto take_digits = [&](auto accept) {
			while (pos_ < text_.size() && (accept(text_[pos_]) || (text_[pos_] == '_' && !digits.empty()))) {
				if (text_[pos_] != '_') {
					digits += text_[pos_];
				}
				advance();
			}
		};
		int base = 10;
		if (text_[pos_] == '0' && pos_ + 1 < text_.size() && std::strchr("xXoObB", text_[pos_ + 1])) {
			char marker = static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_ + 1])));
			base = marker == 'x' ? 16 : marker == 'o' ? 8 : 2;
			advance(2);
			take_digits([base](char c) {
				return base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
				                  : (c >= '0' && c < static_cast<char>('0' + base));
			});
		} else {
			take_digits(is_digit);
			if (pos_ < text_.size() && text_[pos_] == '.') {
				is_float = true;
				digits += '.';
				advance();
				take_digits(is_digit);
			}
			if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
				size_t look = pos_ + 1;
				if (look < text_.size() && (text_[look] == '+' || text_[look] == '-')) {
					look++;
				}
				if (look < text_.size() && is_digit(text_[look])) {
					is_float = true;
					digits += std::string(text_.substr(pos_, look - pos_));
					advance(look - pos_);
					take_digits(is_digit);
				}
			}
		}
		if (pos_ < text_.size() && (is_name_start(text_[pos_]) || is_digit(text_[pos_]))) {
			fail(token.location, "malformed number '" + std::string(text_.substr(start, pos_ - start + 1)) +
			                         "'; expected digits such as 10, 0.5, .0001 or 1e-3");
		}
		std::string literal(text_.substr(start, pos_ - start));
		errno = 0;
		if (is_float) {
			token.kind = TokenKind::Float;
			token.number = std::strtod(digits.c_str(), nullptr);
		} else {
			if (base == 10 && digits.size() > 1 && digits[0] == '0' &&
			    digits.find_first_not_of('0') != std::string::npos) {
				fail(token.location, "integer '" + literal + "' has leading zeros; write it without them");
			}
			if (digits.empty()) {
				fail(token.location, "malformed number '" + literal + "'");
			}
			token.kind = TokenKind::Int;
			token.integer = std::strtoll(digits.c_str(), nullptr, base);
		}
		if (errno == ERANGE) {
			fail(token.location, "number '" + literal + "' is out of range");
		}
		token.text = std::move(literal);
		token.end = pos_;
		tokens_.push_back(std::move(token));
	}

	uint32_t hex_digits(size_t count, SourceLocation at) {
		uint32_t code = 0;
		for (size_t i = 0; i < count; i++) {
			char h = pos_ < text_.size() ? text_[pos_] : '\0';
			int digit = is_digit(h)              ? h - '0'
			            : (h >= 'a' && h <= 'f') ? h - 'a' + 10
			            : (h >= 'A' && h <= 'F') ? h - 'A' + 10
			                                     : -1;
			if (digit < 0) {
				fail(at, "malformed escape sequence; expected " + std::to_string(count) + " hexadecimal digits");
			}
			code = code * 16 + static_cast<uint32_t>(digit);
			advance();
		}
		return code;
	}

	void lex_escape(std::string &out) {
		SourceLocation at = here();
		advance(); // backslash
		if (pos_ >= text_.size()) {
			fail(at, "string is never closed; expected a closing quote");
		}
		char c = text_[pos_];
		switch (c) {
		case 'n':
			out += '\n';
			advance();
			return;
		case 't':
			out += '\t';
			advance();
			return;
		case 'r':
			out += '\r';
			advance();
			return;
		case 'b':
			out += '\b';
			advance();
			return;
		case 'f':
			out += '\f';
			advance();
			return;
		case '0':
			out += '\0';
			advance();
			return;
		case '\\':
		case '\'':
		case '"':
		case '/':
			out += c;
			advance();
			return;
		case '\n':
			advance();
			return;
		case 'x':
			advance();
			append_utf8(out, hex_digits(2, at));
			return;
		case 'u': {
			advance();
			uint32_t code = hex_digits(4, at);
			if (code >= 0xD800 && code < 0xDC00 && pos_ + 1 < text_.size() && text_[pos_] == '\\' &&
			    text_[pos_ + 1] == 'u') {
				advance(2);
				uint32_t low = hex_digits(4, at);
				if (low >= 0xDC00 && low < 0xE000) {
					code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
				}
			}
			append_utf8(out, code);
			return;
		}
		default:
			out += '\\';
			return;
		}
	}

	//! `raw`: r'' strings keep backslashes; `formatted`: f-strings keep
	//! their text undecoded for the parser to split into fields.
	void lex_string(bool raw, bool formatted, std::optional<SourceLocation> prefix_at = std::nullopt,
	                size_t prefix_offset = 0) {
		Token token;
		token.kind = TokenKind::String;
		token.location = prefix_at.value_or(here());
		token.offset = prefix_at ? prefix_offset : pos_;
		token.formatted = formatted;
		char quote = text_[pos_];
		token.quote = quote;
		bool triple = pos_ + 2 < text_.size() && text_[pos_ + 1] == quote && text_[pos_ + 2] == quote;
		advance(triple ? 3 : 1);
		while (true) {
			if (pos_ >= text_.size()) {
				fail(token.location, "string is never closed; expected a closing " + std::string(1, quote));
			}
			char c = text_[pos_];
			if (c == quote) {
				if (!triple) {
					advance();
					break;
				}
				if (pos_ + 2 < text_.size() && text_[pos_ + 1] == quote && text_[pos_ + 2] == quote) {
					advance(3);
					break;
				}
			}
			if (c == '\n' && !triple) {
				fail(token.location, "string is never closed on its line; expected a closing " + std::string(1, quote));
			}
			if (c == '\\' && (raw || formatted)) {
				token.text += c;
				advance();
				if (pos_ < text_.size()) {
					token.text += text_[pos_];
					advance();
				}
				continue;
			}
			if (c == '\\') {
				lex_escape(token.text);
				continue;
			}
			token.text += c;
			advance();
		}
		token.end = pos_;
		tokens_.push_back(std::move(token));
	}

	void lex_operator() {
		Token token;
		token.kind = TokenKind::Op;
		token.location = here();
		token.offset = pos_;
		char c = text_[pos_];
		static constexpr std::string_view kThree[] = {"**=", "//=", ">>=", "<<=", "..."};
		static constexpr std::string_view kTwo[] = {"**", "//", "==", "!=", "<=", ">=", "->", "+=", "-=", "*=",
		                                            "/=", "%=", "&=", "|=", "^=", "@=", ":=", "<<", ">>"};
		for (auto op : kThree) {
			if (text_.substr(pos_, 3) == op) {
				token.text = std::string(op);
			}
		}
		for (auto op : kTwo) {
			if (token.text.empty() && text_.substr(pos_, 2) == op) {
				token.text = std::string(op);
			}
		}
		if (!token.text.empty()) {
			advance(token.text.size());
			token.end = pos_;
			tokens_.push_back(std::move(token));
			return;
		}
		static constexpr std::string_view allowed = "()[]{},.=:-+;*/%<>@&|^~";
		if (allowed.find(c) == std::string_view::npos) {
			auto byte = static_cast<unsigned char>(c);
			std::string shown = byte >= 0x20 && byte < 0x7F ? std::string(1, c)
			                                                : "\\x" + std::string(1, "0123456789abcdef"[byte >> 4]) +
			                                                      "0123456789abcdef"[byte & 15];
			fail(token.location,
			     "unexpected character '" + shown + "'; expected a name, a number, a string, an operator or a bracket");
		}
		token.text = std::string(1, c);
		if (c == '(' || c == '[' || c == '{') {
			depth_++;
			open_brackets_.push_back(token);
		} else if (c == ')' || c == ']' || c == '}') {
			if (depth_ == 0) {
				fail(token.location, "'" + token.text + "' closes no open bracket");
			}
			char open = open_brackets_.back().text[0];
			char expected = open == '(' ? ')' : open == '[' ? ']' : '}';
			if (c != expected) {
				fail(token.location, "'" + token.text + "' does not match '" + std::string(1, open) + "' at line " +
				                         std::to_string(open_brackets_.back().location.line) + ", column " +
				                         std::to_string(open_brackets_.back().location.column) + "; expected '" +
				                         std::string(1, expected) + "'");
			}
			depth_--;
			open_brackets_.pop_back();
		}
		advance();
		token.end = pos_;
		tokens_.push_back(std::move(token));
	}

	std::string_view text_;
	bool statements_;
	size_t pos_ = 0;
	int line_ = 1;
	int column_ = 1;
	int depth_ = 0;
	bool at_line_start_ = true;
	size_t line_start_ = 0;
	std::vector<size_t> indents_ = {0};
	std::vector<Token> open_brackets_;
	std::vector<Token> tokens_;
};

} // namespace

std::vector<Token> tokenize(std::string_view text, bool statements, SourceLocation origin) {
	return Lexer(text, statements, origin).run();
}

std::string describe(const Token &token) {
	switch (token.kind) {
	case TokenKind::Name:
		return "the name '" + token.text + "'";
	case TokenKind::Int:
	case TokenKind::Float:
		return "the number " + token.text;
	case TokenKind::String:
		return "a string";
	case TokenKind::Op:
		return "'" + token.text + "'";
	case TokenKind::Newline:
		return "end of line";
	case TokenKind::End:
		return "end of input";
	case TokenKind::Indent:
		return "indentation";
	case TokenKind::Dedent:
		return "the end of an indented block";
	}
	return "a token";
}

} // namespace kafkaml::ml::spec
