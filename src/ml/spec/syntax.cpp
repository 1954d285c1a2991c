#include "ml/spec/syntax.h"

#include "ml/spec/lexer.h"

#include <set>

namespace kafkaml::ml::spec {

namespace {

// Python statements that open blocks or run code: named in the error so the
// user knows the construct, not just the token, is outside the subset.
const std::set<std::string, std::less<>> kUnsupportedKeywords = {
    "def",   "class",  "for",    "while", "if",   "elif",   "else",     "try",     "except", "finally",
    "with",  "lambda", "return", "yield", "del",  "global", "nonlocal", "assert",  "raise",  "pass",
    "async", "await",  "print",  "exec",  "eval", "open",   "break",    "continue"};

class Parser {
public:
	Parser(std::string_view text, bool json, bool statements) : tokens_(tokenize(text, statements)), json_(json) {}

	Value document() {
		skip_newlines();
		Value value = expression(0);
		skip_newlines();
		if (peek().kind != TokenKind::End) {
			fail(peek().location, "unexpected " + describe(peek()) + " after the end of the JSON document");
		}
		return value;
	}

	Value keyword_list() {
		Value dict;
		dict.kind = ValueKind::Dict;
		dict.location = peek().location;
		skip_newlines();
		while (peek().kind != TokenKind::End) {
			const Token &name = peek();
			if (name.kind != TokenKind::Name || peek(1).text != "=" || peek(1).kind != TokenKind::Op) {
				fail(name.location, "expected a keyword argument such as epochs=5, found " + describe(name));
			}
			next();
			next();
			Argument argument{name.text, name.location, expression(0)};
			add_keyword(dict, std::move(argument));
			skip_newlines();
			if (peek().kind == TokenKind::End) {
				break;
			}
			expect_op(",", "',' between keyword arguments");
			skip_newlines();
		}
		return dict;
	}

private:
	const Token &peek(size_t ahead = 0) const {
		size_t index = std::min(pos_ + ahead, tokens_.size() - 1);
		return tokens_[index];
	}
	const Token &next() {
		const Token &token = tokens_[pos_];
		if (pos_ + 1 < tokens_.size()) {
			pos_++;
		}
		return token;
	}
	bool is_op(std::string_view op) const { return peek().kind == TokenKind::Op && peek().text == op; }
	void skip_newlines() {
		while (peek().kind == TokenKind::Newline) {
			next();
		}
	}
	void expect_op(std::string_view op, std::string_view what) {
		if (!is_op(op)) {
			fail(peek().location, "expected " + std::string(what) + ", found " + describe(peek()));
		}
		next();
	}

	void add_keyword(Value &target, Argument argument) {
		for (const auto &existing : target.keywords) {
			if (existing.name == argument.name) {
				fail(argument.location, "'" + argument.name + "' is given twice (first at line " +
				                            std::to_string(existing.location.line) + ", column " +
				                            std::to_string(existing.location.column) + ")");
			}
		}
		target.keywords.push_back(std::move(argument));
	}

	Value expression(int depth) {
		if (depth > kMaxDepth) {
			fail(peek().location, "nesting deeper than " + std::to_string(kMaxDepth) + " levels is not supported");
		}
		const Token &token = peek();
		Value value;
		value.location = token.location;
		switch (token.kind) {
		case TokenKind::Int:
			next();
			value.kind = ValueKind::Int;
			value.integer = token.integer;
			return value;
		case TokenKind::Float:
			next();
			value.kind = ValueKind::Float;
			value.number = token.number;
			return value;
		case TokenKind::String:
			if (json_ && token.quote != '"') {
				fail(token.location, "JSON strings need double quotes");
			}
			value.kind = ValueKind::String;
			while (peek().kind == TokenKind::String) {
				value.text += next().text;
				if (json_) {
					break;
				}
			}
			return value;
		case TokenKind::Name:
			return name_or_call(depth);
		case TokenKind::Op:
			break;
		case TokenKind::Newline:
		case TokenKind::Indent:
		case TokenKind::Dedent:
		case TokenKind::End:
			fail(token.location, "expected a value, found " + describe(token));
		}
		if (token.text == "-" || token.text == "+") {
			bool negative = token.text == "-";
			next();
			const Token &number = peek();
			if (number.kind != TokenKind::Int && number.kind != TokenKind::Float) {
				fail(number.location, "expected a number after '" + token.text + "', found " + describe(number));
			}
			next();
			value.kind = number.kind == TokenKind::Int ? ValueKind::Int : ValueKind::Float;
			value.integer = negative ? -number.integer : number.integer;
			value.number = negative ? -number.number : number.number;
			return value;
		}
		if (token.text == "[") {
			next();
			value.kind = ValueKind::List;
			value.items = sequence("]", depth);
			return value;
		}
		if (token.text == "(" && !json_) {
			next();
			if (is_op(")")) {
				next();
				value.kind = ValueKind::Tuple;
				return value;
			}
			Value first = expression(depth + 1);
			if (is_op(")")) {
				next();
				return first; // parenthesised value, not a tuple
			}
			expect_op(",", "',' or ')'");
			value.kind = ValueKind::Tuple;
			value.items.push_back(std::move(first));
			auto rest = sequence(")", depth);
			for (auto &item : rest) {
				value.items.push_back(std::move(item));
			}
			return value;
		}
		if (token.text == "{") {
			next();
			return dict(std::move(value), depth);
		}
		fail(token.location, "expected a value (number, string, name, call, list or tuple), found " + describe(token));
	}

	std::vector<Value> sequence(std::string_view close, int depth) {
		std::vector<Value> items;
		while (!is_op(close)) {
			items.push_back(expression(depth + 1));
			if (is_op(close)) {
				break;
			}
			expect_op(",", "',' or '" + std::string(close) + "'");
			if (json_ && is_op(close)) {
				fail(peek().location, "trailing ',' is not allowed in JSON");
			}
		}
		next();
		return items;
	}

	Value dict(Value value, int depth) {
		value.kind = ValueKind::Dict;
		while (!is_op("}")) {
			const Token &key = peek();
			if (key.kind != TokenKind::String || (json_ && key.quote != '"')) {
				fail(key.location, "expected a key in double quotes, found " + describe(key));
			}
			next();
			expect_op(":", "':' after the key");
			Argument entry{key.text, key.location, expression(depth + 1)};
			add_keyword(value, std::move(entry));
			if (is_op("}")) {
				break;
			}
			expect_op(",", "',' or '}'");
			if (json_ && is_op("}")) {
				fail(peek().location, "trailing ',' is not allowed in JSON");
			}
		}
		next();
		return value;
	}

	Value name_or_call(int depth) {
		const Token &first = next();
		Value value;
		value.location = first.location;
		if (json_) {
			if (first.text == "true" || first.text == "false") {
				value.kind = ValueKind::Bool;
				value.boolean = first.text == "true";
				return value;
			}
			if (first.text == "null") {
				return value;
			}
			if (first.text == "NaN" || first.text == "Infinity") {
				fail(first.location, "'" + first.text + "' is not a JSON value; write a finite number");
			}
			fail(first.location, "expected a JSON value, found " + describe(first) + " (strings need double quotes)");
		}
		if (first.text == "True" || first.text == "False") {
			value.kind = ValueKind::Bool;
			value.boolean = first.text == "True";
			return value;
		}
		if (first.text == "None") {
			return value;
		}
		if (kUnsupportedKeywords.count(first.text) && first.text != "print") {
			fail(first.location, "'" + first.text + "' is not supported in a model definition");
		}
		value.kind = ValueKind::Name;
		value.text = first.text;
		value.name_location = first.location;
		while (is_op(".")) {
			next();
			if (peek().kind != TokenKind::Name) {
				fail(peek().location, "expected a name after '.', found " + describe(peek()));
			}
			value.name_location = peek().location;
			value.text += "." + next().text;
		}
		if (!is_op("(")) {
			if (is_op("[")) {
				fail(peek().location, "indexing is not supported in a model definition");
			}
			return value;
		}
		next();
		value.kind = ValueKind::Call;
		while (!is_op(")")) {
			if (is_op("*")) {
				fail(peek().location, "'*' argument unpacking is not supported; write the arguments out");
			}
			if (peek().kind == TokenKind::Name && peek(1).kind == TokenKind::Op && peek(1).text == "=") {
				const Token &name = next();
				next();
				Argument argument{name.text, name.location, expression(depth + 1)};
				add_keyword(value, std::move(argument));
			} else {
				Value positional = expression(depth + 1);
				if (!value.keywords.empty()) {
					fail(positional.location, "positional argument follows keyword argument '" +
					                              value.keywords.back().name + "'; move it before the keywords");
				}
				value.items.push_back(std::move(positional));
			}
			if (is_op(")")) {
				break;
			}
			expect_op(",", "',' or ')' in the argument list of " + value.text + "(...)");
		}
		next();
		if (is_op("(") || is_op(".") || is_op("[")) {
			fail(peek().location, "calling or indexing the result of " + value.text + "(...) is not supported");
		}
		return value;
	}

	std::vector<Token> tokens_;
	size_t pos_ = 0;
	bool json_;
};

} // namespace

Value parse_json(std::string_view text) {
	return Parser(text, true, false).document();
}

Value parse_keyword_list(std::string_view text) {
	return Parser(text, false, false).keyword_list();
}

} // namespace kafkaml::ml::spec
