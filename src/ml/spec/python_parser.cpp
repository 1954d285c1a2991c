#include "ml/spec/python_parser.h"

#include "ml/spec/eval_bounds.h"
#include "ml/spec/lexer.h"

#include <algorithm>
#include <set>

namespace kafkaml::ml::spec {

namespace {

// Python statements that cannot build a model: named in the error so that
// the user knows the construct, not just a token, is outside the subset.
const std::set<std::string, std::less<>> kUnsupportedStatements = {"try",   "with",     "raise",  "yield",   "async",
                                                                   "await", "nonlocal", "except", "finally", "match"};

const std::set<std::string, std::less<>> kKeywords = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};

const std::set<std::string, std::less<>> kAugmented = {
    "+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", ">>=", "<<=", "@="};

std::string decode_escapes(std::string_view raw) {
	std::string out;
	for (size_t i = 0; i < raw.size(); i++) {
		if (raw[i] != '\\' || i + 1 >= raw.size()) {
			out += raw[i];
			continue;
		}
		char next = raw[++i];
		switch (next) {
		case 'n':
			out += '\n';
			break;
		case 't':
			out += '\t';
			break;
		case 'r':
			out += '\r';
			break;
		case '\\':
		case '\'':
		case '"':
			out += next;
			break;
		case '\n':
			break;
		default:
			out += '\\';
			out += next;
		}
	}
	return out;
}

class Parser {
public:
	Parser(std::string_view text, std::vector<Token> tokens) : text_(text), tokens_(std::move(tokens)) {}

	std::vector<StmtPtr> program() {
		std::vector<StmtPtr> statements;
		while (peek().kind != TokenKind::End) {
			if (peek().kind == TokenKind::Newline) {
				next();
				continue;
			}
			if (peek().kind == TokenKind::Indent) {
				fail(peek().location, "unexpected indentation; only the lines of a block (after def, class, for, "
				                      "while, if or else and ':') are indented");
			}
			statement(statements, 0);
		}
		return statements;
	}

	//! One expression, for an f-string field.
	ExprPtr single_expression(int depth) {
		ExprPtr value = test(depth);
		if (peek().kind != TokenKind::Newline && peek().kind != TokenKind::End) {
			fail(peek().location, "unexpected " + describe(peek()) + " in an f-string field");
		}
		return value;
	}

private:
	const Token &peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
	const Token &next() {
		const Token &token = tokens_[pos_];
		if (pos_ + 1 < tokens_.size()) {
			pos_++;
		}
		return token;
	}
	bool is_op(std::string_view op, size_t ahead = 0) const {
		return peek(ahead).kind == TokenKind::Op && peek(ahead).text == op;
	}
	bool is_keyword(std::string_view word) const { return peek().kind == TokenKind::Name && peek().text == word; }
	void expect_op(std::string_view op, std::string_view what) {
		if (!is_op(op)) {
			fail(peek().location, "expected " + std::string(what) + ", found " + describe(peek()));
		}
		next();
	}
	void expect_keyword(std::string_view word, std::string_view what) {
		if (!is_keyword(word)) {
			fail(peek().location, "expected " + std::string(what) + ", found " + describe(peek()));
		}
		next();
	}
	void enter(int depth) const {
		if (depth > kMaxParseDepth) {
			fail(peek().location, "nesting deeper than " + std::to_string(kMaxParseDepth) +
			                          " levels is not supported; split the expression");
		}
	}
	static ExprPtr make(ExprKind kind, SourceLocation location) {
		auto expr = std::make_unique<Expr>();
		expr->kind = kind;
		expr->location = location;
		return expr;
	}
	size_t previous_end() const { return pos_ > 0 ? tokens_[pos_ - 1].end : 0; }

	// ---- statements ----

	void statement(std::vector<StmtPtr> &out, int depth) {
		enter(depth);
		const Token &first = peek();
		if (first.kind == TokenKind::Name) {
			if (first.text == "if") {
				out.push_back(if_statement(depth));
				return;
			}
			if (first.text == "for" || first.text == "while") {
				out.push_back(loop_statement(depth));
				return;
			}
			if (first.text == "def") {
				out.push_back(def_statement(depth, {}));
				return;
			}
			if (first.text == "class") {
				out.push_back(class_statement(depth));
				return;
			}
			if (first.text == "elif" || first.text == "else") {
				fail(first.location,
				     "'" + first.text + "' without an 'if' (or a loop) before it at the same indentation");
			}
			if (kUnsupportedStatements.count(first.text)) {
				fail(first.location, "'" + first.text +
				                         "' is not supported in a model definition: it holds imports, assignments, "
				                         "functions, classes, loops, conditionals and calls that build the model");
			}
		}
		if (is_op("@")) {
			std::vector<ExprPtr> decorators;
			while (is_op("@")) {
				next();
				decorators.push_back(test(depth + 1));
				end_of_line();
			}
			if (!is_keyword("def")) {
				fail(peek().location, "a decorator must be followed by a def");
			}
			out.push_back(def_statement(depth, std::move(decorators)));
			return;
		}
		simple_statements(out, depth);
	}

	void end_of_line() {
		if (peek().kind == TokenKind::Newline) {
			next();
			return;
		}
		if (peek().kind == TokenKind::End || peek().kind == TokenKind::Dedent) {
			return;
		}
		fail(peek().location, "expected the end of the statement, found " + describe(peek()));
	}

	void simple_statements(std::vector<StmtPtr> &out, int depth) {
		while (true) {
			out.push_back(simple_statement(depth));
			if (!is_op(";")) {
				break;
			}
			next();
			if (peek().kind == TokenKind::Newline || peek().kind == TokenKind::End) {
				break;
			}
		}
		end_of_line();
	}

	StmtPtr new_statement(StmtKind kind) {
		auto statement = std::make_unique<Stmt>();
		statement->kind = kind;
		statement->location = peek().location;
		statement->begin = peek().offset;
		return statement;
	}

	StmtPtr simple_statement(int depth) {
		const Token &first = peek();
		auto keyword = [&](StmtKind kind) {
			auto statement = new_statement(kind);
			next();
			statement->end = previous_end();
			return statement;
		};
		if (first.kind == TokenKind::Name) {
			if (first.text == "pass") {
				return keyword(StmtKind::Pass);
			}
			if (first.text == "break") {
				return keyword(StmtKind::Break);
			}
			if (first.text == "continue") {
				return keyword(StmtKind::Continue);
			}
			if (first.text == "return") {
				auto statement = new_statement(StmtKind::Return);
				next();
				if (!at_statement_end()) {
					statement->value = test_list(depth + 1);
				}
				statement->end = previous_end();
				return statement;
			}
			if (first.text == "import" || first.text == "from") {
				return import_statement();
			}
			if (first.text == "global") {
				auto statement = new_statement(StmtKind::Global);
				next();
				while (true) {
					if (peek().kind != TokenKind::Name) {
						fail(peek().location, "expected a name after 'global', found " + describe(peek()));
					}
					statement->names.push_back(next().text);
					if (!is_op(",")) {
						break;
					}
					next();
				}
				statement->end = previous_end();
				return statement;
			}
			if (first.text == "assert") {
				auto statement = new_statement(StmtKind::Assert);
				next();
				statement->value = test(depth + 1);
				if (is_op(",")) {
					next();
					statement->targets.push_back(test(depth + 1));
				}
				statement->end = previous_end();
				return statement;
			}
			if (first.text == "del") {
				auto statement = new_statement(StmtKind::Delete);
				next();
				statement->targets.push_back(test_list(depth + 1));
				statement->end = previous_end();
				return statement;
			}
		}
		auto statement = new_statement(StmtKind::Expression);
		ExprPtr value = test_list(depth + 1, true);
		if (is_op(":") && value->kind != ExprKind::Tuple) { // an annotation: x: int = 3
			next();
			(void)test(depth + 1);
			if (!is_op("=")) {
				statement->kind = StmtKind::Pass; // a bare annotation binds nothing
				statement->end = previous_end();
				return statement;
			}
		}
		if (peek().kind == TokenKind::Op && kAugmented.count(peek().text)) {
			statement->kind = StmtKind::AugAssign;
			statement->op = next().text;
			statement->op.pop_back();
			check_target(*value, false);
			statement->targets.push_back(std::move(value));
			statement->value = test_list(depth + 1);
			statement->end = previous_end();
			return statement;
		}
		if (!is_op("=")) {
			statement->value = std::move(value);
			statement->end = previous_end();
			return statement;
		}
		statement->kind = StmtKind::Assign;
		while (is_op("=")) {
			next();
			check_target(*value, true);
			statement->targets.push_back(std::move(value));
			value = test_list(depth + 1, true);
		}
		statement->value = std::move(value);
		statement->end = previous_end();
		return statement;
	}

	bool at_statement_end() const {
		return peek().kind == TokenKind::Newline || peek().kind == TokenKind::End || peek().kind == TokenKind::Dedent ||
		       is_op(";");
	}

	static void check_target(const Expr &target, bool unpacking) {
		switch (target.kind) {
		case ExprKind::Name:
		case ExprKind::Attribute:
		case ExprKind::Subscript:
			return;
		case ExprKind::Tuple:
		case ExprKind::List:
			if (unpacking) {
				for (const auto &item : target.children) {
					check_target(*item, true);
				}
				return;
			}
			break;
		case ExprKind::Starred:
			if (unpacking) {
				check_target(*target.children[0], false);
				return;
			}
			break;
		default:
			break;
		}
		fail(target.location, "cannot assign to this expression; the left of '=' must be a name, an attribute, an "
		                      "item or a tuple of those");
	}

	StmtPtr import_statement() {
		auto statement = new_statement(StmtKind::Import);
		const Token &keyword = next();
		auto dotted = [&] {
			if (peek().kind != TokenKind::Name) {
				fail(peek().location, "expected a module name after '" + keyword.text + "', found " + describe(peek()));
			}
			std::string name = next().text;
			while (is_op(".")) {
				next();
				if (peek().kind != TokenKind::Name) {
					fail(peek().location, "expected a name after '.', found " + describe(peek()));
				}
				name += "." + next().text;
			}
			return name;
		};
		auto alias = [&](std::string fallback) {
			if (!is_keyword("as")) {
				return fallback;
			}
			next();
			if (peek().kind != TokenKind::Name) {
				fail(peek().location, "expected a name after 'as', found " + describe(peek()));
			}
			return next().text;
		};
		if (keyword.text == "import") {
			while (true) {
				SourceLocation at = peek().location;
				std::string module = dotted();
				bool aliased = is_keyword("as");
				std::string bound = alias(module.substr(0, module.find('.')));
				statement->imports.push_back({aliased ? module : module.substr(0, module.find('.')), bound, at});
				if (!is_op(",")) {
					break;
				}
				next();
			}
		} else {
			if (is_op(".")) {
				fail(peek().location, "relative imports are not supported: a model definition is one file");
			}
			std::string module = dotted();
			expect_keyword("import", "'import' in 'from ... import ...'");
			bool parenthesised = is_op("(");
			if (parenthesised) {
				next();
			}
			if (is_op("*")) {
				fail(peek().location, "'from " + module + " import *' is not supported; import the names you use");
			}
			while (true) {
				if (peek().kind != TokenKind::Name) {
					fail(peek().location, "expected a name to import, found " + describe(peek()));
				}
				SourceLocation at = peek().location;
				std::string name = next().text;
				statement->imports.push_back({module + "." + name, alias(name), at});
				if (!is_op(",")) {
					break;
				}
				next();
				if (parenthesised && is_op(")")) {
					break;
				}
			}
			if (parenthesised) {
				expect_op(")", "')' closing the imported names");
			}
		}
		statement->end = previous_end();
		return statement;
	}

	std::vector<StmtPtr> block(int depth) {
		expect_op(":", "':' before the block");
		std::vector<StmtPtr> body;
		if (peek().kind != TokenKind::Newline) {
			simple_statements(body, depth + 1);
			return body;
		}
		next();
		if (peek().kind != TokenKind::Indent) {
			fail(peek().location, "expected an indented block after ':'");
		}
		next();
		while (peek().kind != TokenKind::Dedent && peek().kind != TokenKind::End) {
			if (peek().kind == TokenKind::Newline) {
				next();
				continue;
			}
			if (peek().kind == TokenKind::Indent) {
				fail(peek().location, "unexpected indentation inside the block");
			}
			statement(body, depth + 1);
		}
		if (peek().kind == TokenKind::Dedent) {
			next();
		}
		return body;
	}

	StmtPtr if_statement(int depth) {
		auto statement = new_statement(StmtKind::If);
		next(); // if / elif
		statement->value = named_test(depth + 1);
		statement->end = previous_end();
		statement->body = block(depth);
		if (is_keyword("elif")) {
			statement->orelse.push_back(if_statement(depth + 1));
		} else if (is_keyword("else")) {
			next();
			statement->orelse = block(depth);
		}
		return statement;
	}

	StmtPtr loop_statement(int depth) {
		bool is_for = is_keyword("for");
		auto statement = new_statement(is_for ? StmtKind::For : StmtKind::While);
		next();
		if (is_for) {
			statement->targets.push_back(target_list(depth + 1));
			expect_keyword("in", "'in' after the loop variable");
			statement->value = test_list(depth + 1);
		} else {
			statement->value = named_test(depth + 1);
		}
		statement->end = previous_end();
		statement->body = block(depth);
		if (is_keyword("else")) {
			next();
			statement->orelse = block(depth);
		}
		return statement;
	}

	std::vector<Param> parameters(int depth, std::string_view close) {
		std::vector<Param> params;
		while (!is_op(close)) {
			Param param;
			if (is_op("*") || is_op("**")) {
				param.star = is_op("*");
				param.double_star = is_op("**");
				next();
			}
			if (peek().kind != TokenKind::Name) {
				fail(peek().location, "expected a parameter name, found " + describe(peek()));
			}
			param.location = peek().location;
			param.name = next().text;
			if (is_op(":") && close == ")") {
				next();
				(void)test(depth + 1); // an annotation
			}
			if (is_op("=")) {
				next();
				param.default_value = test(depth + 1);
			}
			for (const auto &existing : params) {
				if (existing.name == param.name) {
					fail(param.location, "parameter '" + param.name + "' is given twice");
				}
			}
			params.push_back(std::move(param));
			if (!is_op(",")) {
				break;
			}
			next();
		}
		return params;
	}

	StmtPtr def_statement(int depth, std::vector<ExprPtr> decorators) {
		auto statement = new_statement(StmtKind::Def);
		next();
		if (peek().kind != TokenKind::Name) {
			fail(peek().location, "expected a function name after 'def', found " + describe(peek()));
		}
		statement->name = next().text;
		expect_op("(", "'(' after the function name");
		statement->params = parameters(depth, ")");
		expect_op(")", "')' closing the parameters");
		if (is_op("->")) {
			next();
			(void)test(depth + 1);
		}
		statement->end = previous_end();
		statement->decorators = std::move(decorators);
		statement->body = block(depth);
		return statement;
	}

	StmtPtr class_statement(int depth) {
		auto statement = new_statement(StmtKind::Class);
		next();
		if (peek().kind != TokenKind::Name) {
			fail(peek().location, "expected a class name after 'class', found " + describe(peek()));
		}
		statement->name = next().text;
		if (is_op("(")) {
			next();
			while (!is_op(")")) {
				statement->targets.push_back(test(depth + 1));
				if (!is_op(",")) {
					break;
				}
				next();
			}
			expect_op(")", "')' closing the base classes");
		}
		statement->end = previous_end();
		statement->body = block(depth);
		return statement;
	}

	// ---- expressions ----

	//! `item, item, ...` (a trailing comma allowed before `at_end()`): one
	//! item as itself, several as a Tuple.
	template <class Item, class AtEnd>
	ExprPtr comma_separated(Item item, AtEnd at_end) {
		SourceLocation at = peek().location;
		ExprPtr first = item();
		if (!is_op(",")) {
			return first;
		}
		auto tuple = make(ExprKind::Tuple, at);
		tuple->children.push_back(std::move(first));
		while (is_op(",")) {
			next();
			if (at_end()) {
				break;
			}
			tuple->children.push_back(item());
		}
		return tuple;
	}

	//! `a, b, c` (a Tuple when a comma appears) or one test.
	ExprPtr test_list(int depth, bool allow_star = false) {
		enter(depth);
		return comma_separated([&] { return allow_star && is_op("*") ? starred(depth) : test(depth); },
		                       [&] {
			                       return at_statement_end() || is_op("=") || is_op(")") || is_op(":") ||
			                              (peek().kind == TokenKind::Op && kAugmented.count(peek().text));
		                       });
	}

	ExprPtr starred(int depth) {
		auto star = make(ExprKind::Starred, peek().location);
		next();
		star->children.push_back(bit_or(depth + 1));
		return star;
	}

	//! Loop targets: `i`, `i, x`, `(a, b), c`; stops before 'in'.
	ExprPtr target_list(int depth) {
		ExprPtr targets = comma_separated([&] { return bit_or(depth + 1); }, [&] { return is_keyword("in"); });
		check_target(*targets, true);
		return targets;
	}

	//! A test that may be `name := value` (not supported: named).
	ExprPtr named_test(int depth) {
		ExprPtr value = test(depth);
		if (is_op(":=")) {
			fail(peek().location, "':=' is not supported; assign the value on its own line first");
		}
		return value;
	}

	ExprPtr test(int depth) {
		enter(depth);
		if (is_keyword("lambda")) {
			auto lambda = make(ExprKind::Lambda, next().location);
			lambda->params = parameters(depth, ":");
			expect_op(":", "':' after the lambda's parameters");
			lambda->children.push_back(test(depth + 1));
			return lambda;
		}
		ExprPtr value = or_test(depth);
		if (!is_keyword("if")) {
			return value;
		}
		auto conditional = make(ExprKind::IfElse, value->location);
		next();
		conditional->children.push_back(or_test(depth + 1));
		expect_keyword("else", "'else' in 'x if condition else y'");
		conditional->children.push_back(std::move(value));
		conditional->children.push_back(test(depth + 1));
		// children: condition, then-value, else-value
		return conditional;
	}

	ExprPtr or_test(int depth) {
		enter(depth);
		return bool_chain(depth, "or", [this](int d) { return and_test(d); });
	}
	ExprPtr and_test(int depth) {
		enter(depth);
		return bool_chain(depth, "and", [this](int d) { return not_test(d); });
	}

	template <class Operand>
	ExprPtr bool_chain(int depth, std::string_view word, Operand operand) {
		ExprPtr first = operand(depth);
		if (!is_keyword(word)) {
			return first;
		}
		auto chain = make(ExprKind::BoolOp, first->location);
		chain->text = std::string(word);
		chain->children.push_back(std::move(first));
		while (is_keyword(word)) {
			next();
			chain->children.push_back(operand(depth));
		}
		return chain;
	}

	ExprPtr not_test(int depth) {
		enter(depth);
		if (is_keyword("not")) {
			auto unary = make(ExprKind::Unary, next().location);
			unary->text = "not";
			unary->children.push_back(not_test(depth + 1));
			return unary;
		}
		return comparison(depth);
	}

	std::string comparison_operator() {
		const Token &token = peek();
		if (token.kind == TokenKind::Op && (token.text == "<" || token.text == ">" || token.text == "==" ||
		                                    token.text == ">=" || token.text == "<=" || token.text == "!=")) {
			return next().text;
		}
		if (token.kind != TokenKind::Name) {
			return "";
		}
		if (token.text == "in") {
			next();
			return "in";
		}
		if (token.text == "not" && peek(1).kind == TokenKind::Name && peek(1).text == "in") {
			next();
			next();
			return "not in";
		}
		if (token.text == "is") {
			next();
			if (is_keyword("not")) {
				next();
				return "is not";
			}
			return "is";
		}
		return "";
	}

	ExprPtr comparison(int depth) {
		enter(depth);
		ExprPtr first = bit_or(depth);
		std::string op = comparison_operator();
		if (op.empty()) {
			return first;
		}
		auto compare = make(ExprKind::Compare, first->location);
		compare->children.push_back(std::move(first));
		while (!op.empty()) {
			compare->ops.push_back(op);
			compare->children.push_back(bit_or(depth));
			op = comparison_operator();
		}
		return compare;
	}

	//! Left-associative binary levels, loosest first.
	ExprPtr binary_level(int depth, size_t level) {
		static const std::vector<std::vector<std::string_view>> kLevels = {
		    {"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "@"}};
		enter(depth);
		if (level == kLevels.size()) {
			return factor(depth);
		}
		ExprPtr left = binary_level(depth, level + 1);
		int chain = depth; // a chain nests its tree one level per operator
		while (peek().kind == TokenKind::Op) {
			const auto &ops = kLevels[level];
			if (std::find(ops.begin(), ops.end(), peek().text) == ops.end()) {
				break;
			}
			enter(++chain);
			auto binary = make(ExprKind::Binary, peek().location);
			binary->text = next().text;
			binary->children.push_back(std::move(left));
			binary->children.push_back(binary_level(chain, level + 1));
			left = std::move(binary);
		}
		return left;
	}

	ExprPtr bit_or(int depth) { return binary_level(depth, 0); }

	ExprPtr factor(int depth) {
		enter(depth);
		if (is_op("-") || is_op("+") || is_op("~")) {
			auto unary = make(ExprKind::Unary, peek().location);
			unary->text = next().text;
			unary->children.push_back(factor(depth + 1));
			return unary;
		}
		ExprPtr base = primary(depth);
		if (!is_op("**")) {
			return base;
		}
		auto power = make(ExprKind::Binary, peek().location);
		power->text = next().text;
		power->children.push_back(std::move(base));
		power->children.push_back(factor(depth + 1)); // right-associative
		return power;
	}

	ExprPtr primary(int depth) {
		enter(depth);
		ExprPtr value = atom(depth);
		SourceLocation start = value->location; // a call is located where its expression starts
		int chain = depth;                      // each trailer nests the tree one level
		while (true) {
			if (is_op(".") || is_op("(") || is_op("[")) {
				enter(++chain);
			}
			if (is_op(".")) {
				next();
				if (peek().kind != TokenKind::Name) {
					fail(peek().location, "expected a name after '.', found " + describe(peek()));
				}
				auto attribute = make(ExprKind::Attribute, start);
				attribute->name_location = peek().location;
				attribute->text = next().text;
				attribute->children.push_back(std::move(value));
				value = std::move(attribute);
			} else if (is_op("(")) {
				value = call(std::move(value), chain + 1);
				value->location = start;
			} else if (is_op("[")) {
				auto subscript = make(ExprKind::Subscript, peek().location);
				next();
				subscript->children.push_back(std::move(value));
				subscript->children.push_back(subscript_index(chain + 1));
				expect_op("]", "']' closing the index");
				value = std::move(subscript);
			} else {
				return value;
			}
		}
	}

	ExprPtr subscript_index(int depth) {
		return comma_separated([&] { return slice_or_test(depth + 1); }, [&] { return is_op("]"); });
	}

	ExprPtr slice_or_test(int depth) {
		SourceLocation at = peek().location;
		ExprPtr lower = is_op(":") ? make(ExprKind::None, at) : test(depth + 1);
		if (!is_op(":")) {
			return lower;
		}
		auto slice = make(ExprKind::Slice, at);
		slice->children.push_back(std::move(lower));
		for (int part = 0; part < 2; part++) {
			if (!is_op(":")) {
				slice->children.push_back(make(ExprKind::None, peek().location));
				continue;
			}
			next();
			bool empty = is_op(":") || is_op("]") || is_op(",");
			slice->children.push_back(empty ? make(ExprKind::None, peek().location) : test(depth + 1));
		}
		return slice;
	}

	ExprPtr call(ExprPtr callee, int depth) {
		auto call = make(ExprKind::Call, peek().location);
		call->location = callee->location;
		next(); // (
		call->children.push_back(std::move(callee));
		while (!is_op(")")) {
			if (is_op("**")) {
				auto spread = make(ExprKind::DoubleStarred, next().location);
				spread->children.push_back(test(depth + 1));
				call->keywords.emplace_back();
				call->keyword_locations.push_back(spread->location);
				call->children.push_back(std::move(spread));
			} else if (peek().kind == TokenKind::Name && is_op("=", 1)) {
				const Token &name = next();
				next();
				for (const auto &existing : call->keywords) {
					if (existing == name.text) {
						fail(name.location, "'" + name.text + "' is given twice");
					}
				}
				call->keywords.push_back(name.text);
				call->keyword_locations.push_back(name.location);
				call->children.push_back(test(depth + 1));
			} else {
				ExprPtr positional = is_op("*") ? starred(depth) : test(depth + 1);
				if (is_keyword("for")) { // a generator argument: f(x for x in y)
					positional = comprehension(std::move(positional), nullptr, ExprKind::ListComp, depth);
				}
				if (!call->keywords.empty()) {
					fail(positional->location, "positional argument follows keyword argument '" +
					                               call->keywords.back() + "'; move it before the keywords");
				}
				call->children.push_back(std::move(positional));
				call->positional++;
			}
			if (is_op(")")) {
				break;
			}
			expect_op(",", "',' or ')' in the argument list");
		}
		next();
		return call;
	}

	ExprPtr comprehension(ExprPtr element, ExprPtr value, ExprKind kind, int depth) {
		auto comp = make(kind, element->location);
		comp->children.push_back(std::move(element));
		if (value) {
			comp->children.push_back(std::move(value));
		}
		while (is_keyword("for")) {
			next();
			Comprehension generator;
			generator.target = target_list(depth + 1);
			expect_keyword("in", "'in' in the comprehension");
			generator.iter = or_test(depth + 1);
			while (is_keyword("if")) {
				next();
				generator.conditions.push_back(or_test(depth + 1));
			}
			comp->generators.push_back(std::move(generator));
		}
		return comp;
	}

	ExprPtr atom(int depth) {
		enter(depth);
		const Token &token = peek();
		switch (token.kind) {
		case TokenKind::Int: {
			auto value = make(ExprKind::Int, token.location);
			value->integer = next().integer;
			return value;
		}
		case TokenKind::Float: {
			auto value = make(ExprKind::Float, token.location);
			value->number = next().number;
			return value;
		}
		case TokenKind::String:
			return strings(depth);
		case TokenKind::Name:
			return name(depth);
		case TokenKind::Op:
			break;
		case TokenKind::Newline:
		case TokenKind::Indent:
		case TokenKind::Dedent:
		case TokenKind::End:
			fail(token.location, "expected a value, found " + describe(token));
		}
		if (token.text == "(") {
			next();
			if (is_op(")")) {
				next();
				return make(ExprKind::Tuple, token.location);
			}
			ExprPtr first = is_op("*") ? starred(depth) : test(depth + 1);
			if (is_keyword("for")) {
				first = comprehension(std::move(first), nullptr, ExprKind::ListComp, depth);
				expect_op(")", "')' closing the generator");
				return first;
			}
			if (is_op(")")) {
				next();
				return first; // a parenthesised value, not a tuple
			}
			auto tuple = make(ExprKind::Tuple, token.location);
			tuple->children.push_back(std::move(first));
			sequence_rest(*tuple, ")", depth);
			return tuple;
		}
		if (token.text == "[") {
			next();
			auto list = make(ExprKind::List, token.location);
			if (is_op("]")) {
				next();
				return list;
			}
			ExprPtr first = is_op("*") ? starred(depth) : test(depth + 1);
			if (is_keyword("for")) {
				ExprPtr comp = comprehension(std::move(first), nullptr, ExprKind::ListComp, depth);
				expect_op("]", "']' closing the list comprehension");
				return comp;
			}
			list->children.push_back(std::move(first));
			sequence_rest(*list, "]", depth);
			return list;
		}
		if (token.text == "{") {
			return braces(depth);
		}
		if (token.text == "...") {
			fail(token.location, "'...' is not supported in a model definition");
		}
		fail(token.location,
		     "expected a value (number, string, name, call, list, tuple or dict), found " + describe(token));
	}

	//! After the first element: `, x, y ...` up to `close`.
	void sequence_rest(Expr &sequence, std::string_view close, int depth) {
		while (!is_op(close)) {
			expect_op(",", "',' or '" + std::string(close) + "'");
			if (is_op(close)) {
				break;
			}
			sequence.children.push_back(is_op("*") ? starred(depth) : test(depth + 1));
		}
		next();
	}

	ExprPtr braces(int depth) {
		auto dict = make(ExprKind::Dict, next().location);
		if (is_op("}")) {
			next();
			return dict;
		}
		if (is_op("**")) {
			fail(peek().location, "'**' in a dict display is not supported; write the entries out");
		}
		ExprPtr key = test(depth + 1);
		if (!is_op(":")) {
			fail(key->location, "sets are not supported in a model definition; use a list");
		}
		next();
		ExprPtr value = test(depth + 1);
		if (is_keyword("for")) {
			ExprPtr comp = comprehension(std::move(key), std::move(value), ExprKind::DictComp, depth);
			expect_op("}", "'}' closing the dict comprehension");
			return comp;
		}
		dict->children.push_back(std::move(key));
		dict->children.push_back(std::move(value));
		while (!is_op("}")) {
			expect_op(",", "',' or '}'");
			if (is_op("}")) {
				break;
			}
			dict->children.push_back(test(depth + 1));
			expect_op(":", "':' after the key");
			dict->children.push_back(test(depth + 1));
		}
		next();
		return dict;
	}

	ExprPtr name(int depth) {
		const Token &token = next();
		if (token.text == "True" || token.text == "False") {
			auto value = make(ExprKind::Bool, token.location);
			value->boolean = token.text == "True";
			return value;
		}
		if (token.text == "None") {
			return make(ExprKind::None, token.location);
		}
		if (kKeywords.count(token.text)) {
			if (kUnsupportedStatements.count(token.text)) {
				fail(token.location, "'" + token.text + "' is not supported in a model definition");
			}
			fail(token.location, "unexpected keyword '" + token.text + "'");
		}
		(void)depth;
		auto value = make(ExprKind::Name, token.location);
		value->text = token.text;
		return value;
	}

	//! Adjacent string literals join; f-strings split into literal parts and
	//! fields, each field parsed as an expression at its place in the text.
	ExprPtr strings(int depth) {
		SourceLocation at = peek().location;
		std::vector<ExprPtr> parts;
		bool formatted = false;
		while (peek().kind == TokenKind::String) {
			const Token &token = next();
			if (!token.formatted) {
				auto literal = make(ExprKind::Str, token.location);
				literal->text = token.text;
				parts.push_back(std::move(literal));
				continue;
			}
			formatted = true;
			fstring_parts(token, parts, depth);
		}
		if (!formatted) {
			auto joined = make(ExprKind::Str, at);
			for (const auto &part : parts) {
				joined->text += part->text;
			}
			return joined;
		}
		auto fstring = make(ExprKind::FString, at);
		fstring->children = std::move(parts);
		return fstring;
	}

	void fstring_parts(const Token &token, std::vector<ExprPtr> &parts, int depth) {
		const std::string &raw = token.text;
		std::string literal;
		auto flush = [&] {
			if (!literal.empty()) {
				auto part = make(ExprKind::Str, token.location);
				part->text = decode_escapes(literal);
				parts.push_back(std::move(part));
				literal.clear();
			}
		};
		size_t source_start = text_.find(token.quote, token.offset);
		for (size_t i = 0; i < raw.size(); i++) {
			char c = raw[i];
			if ((c == '{' || c == '}') && i + 1 < raw.size() && raw[i + 1] == c) {
				literal += c;
				i++;
				continue;
			}
			if (c == '}') {
				fail(token.location, "single '}' in an f-string; write '}}' for a brace");
			}
			if (c != '{') {
				literal += c;
				continue;
			}
			flush();
			size_t close = i + 1;
			int nesting = 0;
			char quote = 0;
			for (; close < raw.size(); close++) {
				char d = raw[close];
				if (quote) {
					quote = d == quote ? 0 : quote;
				} else if (d == '\'' || d == '"') {
					quote = d;
				} else if (d == '(' || d == '[' || d == '{') {
					nesting++;
				} else if ((d == ')' || d == ']' || d == '}') && nesting > 0) {
					nesting--;
				} else if (nesting == 0 && (d == '}' || d == ':' || d == '!')) {
					break;
				}
			}
			if (close >= raw.size()) {
				fail(token.location, "an f-string field is never closed; expected '}'");
			}
			std::string field = raw.substr(i + 1, close - i - 1);
			std::string spec;
			size_t end = close;
			if (raw[end] == '!') {
				end += 2; // !r, !s, !a: the conversion is not modelled beyond str()
			}
			if (end < raw.size() && raw[end] == ':') {
				size_t spec_end = raw.find('}', end);
				if (spec_end == std::string::npos) {
					fail(token.location, "an f-string field is never closed; expected '}'");
				}
				spec = raw.substr(end + 1, spec_end - end - 1);
				end = spec_end;
			}
			if (end >= raw.size() || raw[end] != '}') {
				fail(token.location, "an f-string field is never closed; expected '}'");
			}
			SourceLocation field_at = token.location;
			if (source_start != std::string_view::npos) {
				field_at.column += static_cast<int>(source_start - token.offset) + 1 + static_cast<int>(i) + 1;
			}
			auto formatted = make(ExprKind::FormatField, field_at);
			Parser field_parser(field, tokenize(field, false, field_at));
			formatted->children.push_back(field_parser.single_expression(depth + 1));
			formatted->text = spec;
			parts.push_back(std::move(formatted));
			i = end;
		}
		flush();
	}

	std::string_view text_;
	std::vector<Token> tokens_;
	size_t pos_ = 0;
};

} // namespace

std::vector<StmtPtr> parse_python_program(std::string_view text) {
	return Parser(text, tokenize(text, true)).program();
}

} // namespace kafkaml::ml::spec
