// Statements, expressions, scopes and calls of the evaluator (evaluator.h).
// Python's semantics are followed where a model definition can observe
// them: left-to-right evaluation, short-circuit and/or, late binding of
// names, shared mutable lists and dicts, default arguments evaluated once.

#include "ml/spec/evaluator.h"

#include "ml/spec/eval_bounds.h"
#include "ml/spec/keras_namespace.h"
#include "ml/spec/python_parser.h"

#include <algorithm>
#include <cctype>
#include <functional>

namespace kafkaml::ml::spec {

namespace {

//! Names that usually hold training data in user code: their absence
//! means the definition read a shape from data it does not have here.
bool looks_like_data(const std::string &name) {
	std::string lower;
	for (char c : name) {
		lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	}
	static const char *const kHints[] = {"train",   "test",  "valid", "data",     "df",     "sample",
	                                     "feature", "label", "image", "sequence", "series", "frame"};
	if (lower == "x" || lower == "y" || lower == "xs" || lower == "ys") {
		return true;
	}
	return std::any_of(std::begin(kHints), std::end(kHints),
	                   [&](const char *hint) { return lower.find(hint) != std::string::npos; });
}

Object class_object(const std::shared_ptr<ClassData> &klass) {
	Object object;
	object.kind = ObjectKind::Class;
	object.klass = klass;
	return object;
}

//! Keras names a subclassed model after its class: MyModel -> my_model.
std::string snake_case_name(const std::string &camel) {
	std::string out;
	for (size_t i = 0; i < camel.size(); i++) {
		auto c = static_cast<unsigned char>(camel[i]);
		if (std::isupper(c)) {
			if (i > 0 && camel[i - 1] != '_' && !std::isupper(static_cast<unsigned char>(camel[i - 1]))) {
				out += '_';
			}
			out += static_cast<char>(std::tolower(c));
		} else {
			out += camel[i];
		}
	}
	return out;
}

bool is_training_method(const Object &receiver, const std::string &name) {
	bool model = receiver.kind == ObjectKind::Model ||
	             (receiver.kind == ObjectKind::Instance && receiver.instance && receiver.instance->model >= 0);
	static const char *const kMethods[] = {"fit",  "evaluate",     "predict",      "fit_generator", "train_on_batch",
	                                       "save", "save_weights", "load_weights", "to_json"};
	return model && std::any_of(std::begin(kMethods), std::end(kMethods), [&](const char *m) { return name == m; });
}

std::string first_line(std::string_view text) {
	size_t end = text.find('\n');
	std::string line(text.substr(0, end));
	while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
		line.pop_back();
	}
	return line;
}

} // namespace

const Object *CallArgs::keyword(std::string_view name) const {
	for (const auto &[key, value] : keywords) {
		if (key == name) {
			return &value;
		}
	}
	return nullptr;
}

SourceLocation CallArgs::keyword_location(std::string_view name) const {
	for (size_t i = 0; i < keywords.size(); i++) {
		if (keywords[i].first == name) {
			return keyword_at[i];
		}
	}
	return location;
}

const Object *CallArgs::argument(size_t index, std::string_view name) const {
	if (index < positional.size()) {
		return &positional[index];
	}
	return keyword(name);
}

SourceLocation CallArgs::argument_location(size_t index, std::string_view name) const {
	if (index < positional.size()) {
		return positional_at[index];
	}
	return keyword_location(name);
}

Evaluator::Evaluator(std::string_view source) : source_(source) {
	module_ = new_scope(nullptr);
}

Evaluator::~Evaluator() {
	for (auto &list : owned_lists_) {
		list->clear();
	}
	for (auto &dict : owned_dicts_) {
		dict->entries.clear();
	}
	for (auto &scope : owned_scopes_) {
		scope->names.clear();
		scope->enclosing.reset();
	}
	for (auto &instance : owned_instances_) {
		instance->attributes.clear();
	}
	for (auto &klass : owned_classes_) {
		klass->attributes.clear();
		klass->bases.clear();
	}
	for (auto &function : owned_functions_) {
		function->defaults.clear();
		function->closure.reset();
		function->owner.reset();
	}
	method_stack_.clear();
	models_.clear();
}

Object Evaluator::new_list(std::vector<Object> items, SourceLocation location) {
	allocate(items.size() + 1, location);
	Object list = make_list(std::move(items));
	owned_lists_.push_back(list.items);
	return list;
}

Object Evaluator::new_tuple(std::vector<Object> items, SourceLocation location) {
	Object tuple = new_list(std::move(items), location);
	tuple.kind = ObjectKind::Tuple;
	return tuple;
}

Object Evaluator::new_dict(SourceLocation location) {
	allocate(1, location);
	Object dict = make_dict();
	owned_dicts_.push_back(dict.dict);
	return dict;
}

std::shared_ptr<Scope> Evaluator::new_scope(std::shared_ptr<Scope> enclosing) {
	auto scope = std::make_shared<Scope>();
	scope->enclosing = std::move(enclosing);
	owned_scopes_.push_back(scope);
	return scope;
}

void Evaluator::charge(int64_t steps, SourceLocation location) {
	steps_ += steps;
	if (steps_ > kMaxSteps) {
		fail(location, "the definition takes more than " + std::to_string(kMaxSteps) +
		                   " evaluation steps; a model definition builds a model in a few steps (is a loop too long?)");
	}
}

void Evaluator::allocate(size_t count, SourceLocation location) {
	allocated_ += static_cast<int64_t>(count);
	if (allocated_ > kMaxAllocated) {
		fail(location, "the definition creates more than " + std::to_string(kMaxAllocated) +
		                   " values in lists, dicts and strings; a model definition needs far fewer");
	}
}

void Evaluator::ignore_statement() {
	if (!current_statement_) {
		return;
	}
	const Stmt &statement = *current_statement_;
	if (!ignored_.empty() && ignored_.back().location.line == statement.location.line &&
	    ignored_.back().location.column == statement.location.column) {
		return;
	}
	std::string_view text = source_.substr(std::min(statement.begin, source_.size()),
	                                       statement.end > statement.begin ? statement.end - statement.begin : 0);
	ignored_.push_back(IgnoredStatement{statement.location, first_line(text)});
}

const Object *Evaluator::global(const std::string &name) const {
	auto found = module_->names.find(name);
	return found == module_->names.end() ? nullptr : &found->second;
}

void Evaluator::run(const std::vector<StmtPtr> &program) {
	for (const auto &statement : program) {
		Flow flow = execute(*statement, module_);
		if (flow == Flow::Return) {
			fail(statement->location, "'return' outside a function");
		}
		if (flow != Flow::Normal) {
			fail(statement->location, "'break' or 'continue' outside a loop");
		}
	}
}

Object Evaluator::run_embedded(std::string_view source, const std::string &result,
                               std::vector<std::pair<std::string, Object>> bindings) {
	// Built-in architectures are our own text; they run as the user's
	// definition would, in their own module scope over the same graph.
	embedded_sources_.push_back(std::make_unique<std::string>(source));
	source = *embedded_sources_.back();
	// Functions it defines point into its syntax tree, which lives as long as the evaluation.
	embedded_programs_.push_back(std::make_unique<std::vector<StmtPtr>>(parse_python_program(source)));
	const std::vector<StmtPtr> &program = *embedded_programs_.back();
	auto saved_module = module_;
	std::string_view saved_source = source_;
	const Stmt *saved_statement = current_statement_;
	module_ = new_scope(nullptr);
	source_ = source;
	for (auto &[name, value] : bindings) {
		module_->names[name] = std::move(value);
	}
	for (const auto &statement : program) {
		execute(*statement, module_);
	}
	Object value = module_->names.at(result);
	module_ = saved_module;
	source_ = saved_source;
	current_statement_ = saved_statement;
	return value;
}

Evaluator::Flow Evaluator::execute(const std::vector<StmtPtr> &body, const ScopePtr &scope) {
	for (const auto &statement : body) {
		Flow flow = execute(*statement, scope);
		if (flow != Flow::Normal) {
			return flow;
		}
	}
	return Flow::Normal;
}

Evaluator::Flow Evaluator::execute(const Stmt &statement, const ScopePtr &scope) {
	charge(1, statement.location);
	const Stmt *saved = current_statement_;
	current_statement_ = &statement;
	struct Restore {
		const Stmt *&slot;
		const Stmt *value;
		~Restore() { slot = value; }
	} restore{current_statement_, saved};
	switch (statement.kind) {
	case StmtKind::Expression:
		evaluate(*statement.value, scope);
		return Flow::Normal;
	case StmtKind::Assign: {
		Object value = evaluate(*statement.value, scope);
		for (const auto &target : statement.targets) {
			assign(*target, value, scope);
		}
		return Flow::Normal;
	}
	case StmtKind::AugAssign: {
		const Expr &target = *statement.targets[0];
		Object current = evaluate(target, scope);
		Object operand = evaluate(*statement.value, scope);
		if (statement.op == "+" && current.kind == ObjectKind::List) {
			// list += iterable extends the list in place (aliases see it)
			std::vector<Object> more = iterate(operand, statement.value->location);
			allocate(more.size(), statement.location);
			current.items->insert(current.items->end(), more.begin(), more.end());
			if (current.items->size() > kMaxSequenceLength) {
				fail(statement.location, "a list longer than " + std::to_string(kMaxSequenceLength) + " elements");
			}
			return Flow::Normal;
		}
		assign(target, binary_operation(*this, statement.op, current, operand, statement.location), scope);
		return Flow::Normal;
	}
	case StmtKind::If:
		if (truthy(evaluate(*statement.value, scope))) {
			return execute(statement.body, scope);
		}
		return execute(statement.orelse, scope);
	case StmtKind::For: {
		Object iterable = evaluate(*statement.value, scope);
		std::vector<Object> items = iterate(iterable, statement.value->location);
		for (auto &item : items) {
			assign(*statement.targets[0], std::move(item), scope);
			if (auto end = iteration(statement, scope)) {
				return *end;
			}
		}
		return execute(statement.orelse, scope);
	}
	case StmtKind::While:
		while (truthy(evaluate(*statement.value, scope))) {
			if (auto end = iteration(statement, scope)) {
				return *end;
			}
		}
		return execute(statement.orelse, scope);
	case StmtKind::Def: {
		Object function =
		    make_function(statement.name, statement.params, &statement.body, nullptr, scope, statement.location);
		bind(*scope, statement.name, std::move(function));
		return Flow::Normal;
	}
	case StmtKind::Class:
		define_class(statement, scope);
		return Flow::Normal;
	case StmtKind::Return:
		return_value_ = statement.value ? evaluate(*statement.value, scope) : make_none();
		return Flow::Return;
	case StmtKind::Pass:
		return Flow::Normal;
	case StmtKind::Break:
		return Flow::Break;
	case StmtKind::Continue:
		return Flow::Continue;
	case StmtKind::Import:
		import(statement, scope);
		return Flow::Normal;
	case StmtKind::Global:
		for (const auto &name : statement.names) {
			scope->globals.push_back(name);
		}
		return Flow::Normal;
	case StmtKind::Assert:
		if (!truthy(evaluate(*statement.value, scope))) {
			std::string message =
			    statement.targets.empty() ? "" : ": " + to_str(evaluate(*statement.targets[0], scope));
			fail(statement.location, "assertion failed" + message);
		}
		return Flow::Normal;
	case StmtKind::Delete: {
		const Expr &target = *statement.targets[0];
		if (target.kind == ExprKind::Name) {
			scope->names.erase(target.text);
			return Flow::Normal;
		}
		fail(target.location, "'del' is supported on names only");
	}
	}
	return Flow::Normal;
}

std::optional<Evaluator::Flow> Evaluator::iteration(const Stmt &loop, const ScopePtr &scope) {
	charge(1, loop.location);
	Flow flow = execute(loop.body, scope);
	if (flow == Flow::Break) {
		return Flow::Normal; // the loop ends, its else block is skipped
	}
	if (flow == Flow::Return) {
		return flow;
	}
	return std::nullopt;
}

void Evaluator::import(const Stmt &statement, const ScopePtr &scope) {
	for (const auto &name : statement.imports) {
		bind(*scope, name.bound, import_object(name.module, name.location));
	}
}

Object Evaluator::make_function(const std::string &name, const std::vector<Param> &params,
                                const std::vector<StmtPtr> *body, const Expr *lambda_body, const ScopePtr &scope,
                                SourceLocation location) {
	auto data = std::make_shared<FunctionData>();
	owned_functions_.push_back(data);
	data->name = name;
	data->params = &params;
	data->body = body;
	data->lambda_body = lambda_body;
	data->location = location;
	for (const auto &param : params) {
		data->has_default.push_back(param.default_value != nullptr);
		data->defaults.push_back(param.default_value ? evaluate(*param.default_value, scope) : make_none());
	}
	if (scope != module_) {
		data->closure = scope;
	}
	Object function;
	function.kind = ObjectKind::Function;
	function.function = std::move(data);
	function.location = location;
	return function;
}

void Evaluator::define_class(const Stmt &statement, const ScopePtr &scope) {
	auto data = std::make_shared<ClassData>();
	owned_classes_.push_back(data);
	data->name = statement.name;
	data->location = statement.location;
	for (const auto &base : statement.targets) {
		Object value = evaluate(*base, scope);
		if (value.kind == ObjectKind::Builtin && is_keras_base_class(value.text)) {
			data->bases.push_back(value);
			continue;
		}
		if (value.kind != ObjectKind::Class &&
		    !(value.kind == ObjectKind::Builtin && value.text == "builtins.object")) {
			fail(base->location, "class " + statement.name +
			                         " may derive from keras.Model, keras.layers.Layer or a "
			                         "class of the definition, not " +
			                         type_name(value));
		}
		data->bases.push_back(value);
	}
	auto body_scope = new_scope(scope == module_ ? nullptr : scope);
	for (const auto &member : statement.body) {
		if (member->kind == StmtKind::Def) {
			Object method =
			    make_function(member->name, member->params, &member->body, nullptr, scope, member->location);
			method.function->owner = data;
			body_scope->names[member->name] = std::move(method);
			continue;
		}
		execute(*member, body_scope);
	}
	data->attributes = body_scope->names;
	Object klass;
	klass.kind = ObjectKind::Class;
	klass.klass = std::move(data);
	klass.location = statement.location;
	bind(*scope, statement.name, std::move(klass));
}

Object Evaluator::class_attribute(const Object &klass, const std::string &name) const {
	if (klass.kind != ObjectKind::Class) {
		return make_none();
	}
	auto found = klass.klass->attributes.find(name);
	if (found != klass.klass->attributes.end()) {
		return found->second;
	}
	for (const auto &base : klass.klass->bases) {
		Object inherited = class_attribute(base, name);
		if (inherited.kind != ObjectKind::None) {
			return inherited;
		}
	}
	return make_none();
}

bool Evaluator::is_keras_class(const Object &klass) const {
	if (klass.kind == ObjectKind::Builtin) {
		return is_keras_base_class(klass.text);
	}
	if (klass.kind != ObjectKind::Class) {
		return false;
	}
	return std::any_of(klass.klass->bases.begin(), klass.klass->bases.end(),
	                   [this](const Object &base) { return is_keras_class(base); });
}

void Evaluator::bind(Scope &scope, const std::string &name, Object value) {
	if (std::find(scope.globals.begin(), scope.globals.end(), name) != scope.globals.end()) {
		module_->names[name] = std::move(value);
		return;
	}
	scope.names[name] = std::move(value);
}

Object Evaluator::lookup(const std::string &name, const ScopePtr &scope, SourceLocation location) {
	for (const Scope *current = scope.get(); current; current = current->enclosing.get()) {
		if (std::find(current->globals.begin(), current->globals.end(), name) != current->globals.end()) {
			break;
		}
		auto found = current->names.find(name);
		if (found != current->names.end()) {
			return found->second;
		}
	}
	auto found = module_->names.find(name);
	if (found != module_->names.end()) {
		return found->second;
	}
	if (auto builtin = python_builtin(name)) {
		return *builtin;
	}
	if (auto keras = implicit_object(name)) {
		return *keras;
	}
	if (looks_like_data(name)) {
		fail(location, "'" + name +
		                   "' is not defined here: write the shape, e.g. input_shape=(32, 32, 3), or leave the input "
		                   "shape out and the model takes it from the training stream");
	}
	fail(location, "'" + name +
	                   "' is not defined here; define it before this line (nothing is imported: only the names of "
	                   "tensorflow, keras, numpy and os.environ are known)");
}

void Evaluator::assign(const Expr &target, Object value, const ScopePtr &scope) {
	switch (target.kind) {
	case ExprKind::Name:
		bind(*scope, target.text, std::move(value));
		return;
	case ExprKind::Attribute:
		set_attribute(evaluate(*target.children[0], scope), target.text, std::move(value), target.name_location);
		return;
	case ExprKind::Subscript: {
		Object container = evaluate(*target.children[0], scope);
		Object index = evaluate(*target.children[1], scope);
		set_item(*this, container, index, std::move(value), target.location);
		return;
	}
	case ExprKind::Tuple:
	case ExprKind::List: {
		std::vector<Object> items = iterate(value, target.location);
		size_t star = target.children.size();
		for (size_t i = 0; i < target.children.size(); i++) {
			if (target.children[i]->kind == ExprKind::Starred) {
				star = i;
			}
		}
		size_t fixed = target.children.size() - (star < target.children.size() ? 1 : 0);
		if (star == target.children.size() ? items.size() != fixed : items.size() < fixed) {
			fail(target.location, "cannot unpack " + std::to_string(items.size()) + " values into " +
			                          std::to_string(target.children.size()) + " names");
		}
		size_t from_end = target.children.size() - star - 1;
		for (size_t i = 0; i < target.children.size(); i++) {
			if (i < star) {
				assign(*target.children[i], items[i], scope);
			} else if (i == star) {
				std::vector<Object> rest(items.begin() + static_cast<std::ptrdiff_t>(star),
				                         items.end() - static_cast<std::ptrdiff_t>(from_end));
				assign(*target.children[i]->children[0], new_list(std::move(rest), target.location), scope);
			} else {
				assign(*target.children[i], items[items.size() - (target.children.size() - i)], scope);
			}
		}
		return;
	}
	default:
		fail(target.location, "cannot assign to this expression");
	}
}

Object Evaluator::evaluate(const Expr &expr, const ScopePtr &scope) {
	if (++expression_depth_ > kMaxEvalDepth) {
		expression_depth_ = 0; // the error unwinds everything
		fail(expr.location,
		     "the definition nests calls and expressions deeper than " + std::to_string(kMaxEvalDepth) + " levels");
	}
	charge(1, expr.location);
	Object value = evaluate_inner(expr, scope);
	if (value.location.line == 0) {
		value.location = expr.location;
	}
	expression_depth_--;
	return value;
}

Object Evaluator::evaluate_inner(const Expr &expr, const ScopePtr &scope) {
	switch (expr.kind) {
	case ExprKind::None:
		return make_none();
	case ExprKind::Bool:
		return make_bool(expr.boolean);
	case ExprKind::Int:
		return make_int(expr.integer);
	case ExprKind::Float:
		return make_float(expr.number);
	case ExprKind::Str:
		allocate(expr.text.size(), expr.location);
		return make_str(expr.text);
	case ExprKind::FString:
		return format_string(expr, scope);
	case ExprKind::FormatField:
		return make_str(format_value(evaluate(*expr.children[0], scope), expr.text, expr.location));
	case ExprKind::Name:
		return lookup(expr.text, scope, expr.location);
	case ExprKind::Attribute:
		return attribute(evaluate(*expr.children[0], scope), expr.text, expr.name_location);
	case ExprKind::Call:
		return evaluate_call(expr, scope);
	case ExprKind::Starred:
	case ExprKind::DoubleStarred:
		fail(expr.location, "'*' unpacking is allowed only in calls, lists and assignments");
	case ExprKind::Binary: {
		Object left = evaluate(*expr.children[0], scope);
		Object right = evaluate(*expr.children[1], scope);
		return binary_operation(*this, expr.text, left, right, expr.location);
	}
	case ExprKind::Unary: {
		Object operand = evaluate(*expr.children[0], scope);
		if (expr.text == "not") {
			return make_bool(!truthy(operand));
		}
		return unary_operation(expr.text, operand, expr.location);
	}
	case ExprKind::BoolOp: {
		Object value;
		for (const auto &child : expr.children) {
			value = evaluate(*child, scope);
			bool truth = truthy(value);
			if ((expr.text == "and" && !truth) || (expr.text == "or" && truth)) {
				return value;
			}
		}
		return value;
	}
	case ExprKind::Compare: {
		Object left = evaluate(*expr.children[0], scope);
		for (size_t i = 0; i < expr.ops.size(); i++) {
			Object right = evaluate(*expr.children[i + 1], scope);
			if (!compare(*this, expr.ops[i], left, right, expr.location)) {
				return make_bool(false);
			}
			left = std::move(right);
		}
		return make_bool(true);
	}
	case ExprKind::IfElse:
		return truthy(evaluate(*expr.children[0], scope)) ? evaluate(*expr.children[1], scope)
		                                                  : evaluate(*expr.children[2], scope);
	case ExprKind::List:
	case ExprKind::Tuple: {
		std::vector<Object> items;
		for (const auto &child : expr.children) {
			if (child->kind == ExprKind::Starred) {
				auto more = iterate(evaluate(*child->children[0], scope), child->location);
				items.insert(items.end(), more.begin(), more.end());
				continue;
			}
			items.push_back(evaluate(*child, scope));
		}
		return expr.kind == ExprKind::List ? new_list(std::move(items), expr.location)
		                                   : new_tuple(std::move(items), expr.location);
	}
	case ExprKind::Dict: {
		Object dict = new_dict(expr.location);
		for (size_t i = 0; i + 1 < expr.children.size(); i += 2) {
			Object key = evaluate(*expr.children[i], scope);
			Object value = evaluate(*expr.children[i + 1], scope);
			set_item(*this, dict, key, std::move(value), expr.children[i]->location);
		}
		return dict;
	}
	case ExprKind::Subscript: {
		Object container = evaluate(*expr.children[0], scope);
		Object index = evaluate(*expr.children[1], scope);
		return subscript(*this, container, index, expr.location);
	}
	case ExprKind::Slice: {
		std::vector<Object> parts;
		for (const auto &child : expr.children) {
			parts.push_back(evaluate(*child, scope));
		}
		Object slice = new_tuple(std::move(parts), expr.location);
		slice.kind = ObjectKind::Slice;
		return slice;
	}
	case ExprKind::ListComp:
	case ExprKind::DictComp:
		return comprehension(expr, scope);
	case ExprKind::Lambda:
		return make_function("<lambda>", expr.params, nullptr, expr.children[0].get(), scope, expr.location);
	}
	fail(expr.location, "unsupported expression");
}

Object Evaluator::format_string(const Expr &expr, const ScopePtr &scope) {
	std::string out;
	for (const auto &part : expr.children) {
		Object piece = evaluate(*part, scope);
		out += piece.kind == ObjectKind::Str ? piece.text : to_str(piece);
		if (out.size() > kMaxStringLength) {
			fail(expr.location, "a string longer than " + std::to_string(kMaxStringLength) + " characters");
		}
	}
	allocate(out.size(), expr.location);
	return make_str(std::move(out));
}

Object Evaluator::comprehension(const Expr &expr, const ScopePtr &scope) {
	Object result = expr.kind == ExprKind::ListComp ? new_list({}, expr.location) : new_dict(expr.location);
	auto inner = new_scope(scope);
	comprehension_level(expr, 0, inner, result);
	return result;
}

void Evaluator::comprehension_level(const Expr &expr, size_t level, const ScopePtr &scope, Object &result) {
	if (level == expr.generators.size()) {
		if (expr.kind == ExprKind::ListComp) {
			Object element = evaluate(*expr.children[0], scope);
			allocate(1, expr.location);
			result.items->push_back(std::move(element));
			if (result.items->size() > kMaxSequenceLength) {
				fail(expr.location, "a list longer than " + std::to_string(kMaxSequenceLength) + " elements");
			}
			return;
		}
		Object key = evaluate(*expr.children[0], scope);
		Object value = evaluate(*expr.children[1], scope);
		set_item(*this, result, key, std::move(value), expr.location);
		return;
	}
	const Comprehension &generator = expr.generators[level];
	for (auto &item : iterate(evaluate(*generator.iter, scope), generator.iter->location)) {
		charge(1, expr.location);
		assign(*generator.target, std::move(item), scope);
		bool keep = true;
		for (const auto &condition : generator.conditions) {
			if (!truthy(evaluate(*condition, scope))) {
				keep = false;
				break;
			}
		}
		if (keep) {
			comprehension_level(expr, level + 1, scope, result);
		}
	}
}

Object Evaluator::evaluate_call(const Expr &expr, const ScopePtr &scope) {
	Object callee = evaluate(*expr.children[0], scope);
	CallArgs args;
	args.location = expr.location;
	if (callee.kind == ObjectKind::BoundMethod && is_training_method(*callee.receiver, callee.text)) {
		// model.fit(x_train, ...): say fit() is not part of a definition
		// rather than that x_train is undefined
		return keras_method(*this, *callee.receiver, callee.text, args);
	}
	const Expr &callee_expr = *expr.children[0];
	args.callee_at = callee_expr.kind == ExprKind::Attribute ? callee_expr.name_location : callee_expr.location;
	for (size_t i = 1; i <= expr.positional; i++) {
		const Expr &argument = *expr.children[i];
		if (argument.kind == ExprKind::Starred) {
			for (auto &item : iterate(evaluate(*argument.children[0], scope), argument.location)) {
				args.positional.push_back(std::move(item));
				args.positional_at.push_back(argument.location);
			}
			continue;
		}
		args.positional.push_back(evaluate(argument, scope));
		args.positional_at.push_back(argument.location);
	}
	for (size_t k = 0; k < expr.keywords.size(); k++) {
		const Expr &argument = *expr.children[1 + expr.positional + k];
		auto add = [&](std::string name, Object value, SourceLocation at) {
			if (args.keyword(name)) {
				fail(at, "'" + name + "' is given twice");
			}
			args.keywords.emplace_back(std::move(name), std::move(value));
			args.keyword_at.push_back(at);
			args.keyword_value_at.push_back(argument.location);
		};
		if (argument.kind == ExprKind::DoubleStarred) {
			Object mapping = evaluate(*argument.children[0], scope);
			if (mapping.kind != ObjectKind::Dict) {
				fail(argument.location, "'**' needs a dict, not " + type_name(mapping));
			}
			for (const auto &[key, value] : mapping.dict->entries) {
				if (key.kind != ObjectKind::Str) {
					fail(argument.location, "keyword names must be strings");
				}
				add(key.text, value, argument.location);
			}
			continue;
		}
		add(expr.keywords[k], evaluate(argument, scope), expr.keyword_locations[k]);
	}
	return call(callee, args);
}

Object Evaluator::call(const Object &callee, CallArgs &args) {
	charge(1, args.location);
	switch (callee.kind) {
	case ObjectKind::Function:
		return call_function(callee, args, nullptr);
	case ObjectKind::Builtin:
		if (callee.text.starts_with("builtins.")) {
			return call_python_builtin(*this, callee.text.substr(9), args);
		}
		return call_namespace(*this, callee.text, args);
	case ObjectKind::Class:
		return instantiate(callee, args);
	case ObjectKind::BoundMethod: {
		const Object &receiver = *callee.receiver;
		if (receiver.kind == ObjectKind::Instance) {
			Object method = class_attribute(class_object(receiver.klass), callee.text);
			if (method.kind == ObjectKind::Function) {
				return call_function(method, args, &receiver);
			}
			if (receiver.instance->model >= 0) {
				Object model;
				model.kind = ObjectKind::Model;
				model.id = receiver.instance->model;
				return keras_method(*this, model, callee.text, args);
			}
			fail(args.location, "'" + receiver.klass->name + "' has no method '" + callee.text + "'");
		}
		if (receiver.kind == ObjectKind::Super) {
			Object method = make_none();
			for (const auto &base : receiver.klass->bases) {
				method = class_attribute(base, callee.text);
				if (method.kind != ObjectKind::None) {
					break;
				}
			}
			if (method.kind == ObjectKind::Function) {
				return call_function(method, args, receiver.receiver.get());
			}
			if (callee.text == "__init__") {
				// keras.Model.__init__(name=...): only the name matters
				const Object *name = args.keyword("name");
				const Object &self = *receiver.receiver;
				if (name && name->kind == ObjectKind::Str && self.instance && self.instance->model >= 0) {
					model(self.instance->model).name = name->text;
				}
				return make_none();
			}
			fail(args.location, "super() has no method '" + callee.text + "' a definition can use");
		}
		if (receiver.kind == ObjectKind::Layer || receiver.kind == ObjectKind::Tensor ||
		    receiver.kind == ObjectKind::Model) {
			return keras_method(*this, receiver, callee.text, args);
		}
		return call_value_method(*this, receiver, callee.text, args);
	}
	case ObjectKind::Layer:
	case ObjectKind::Model:
		return call_keras_object(*this, callee, args);
	case ObjectKind::Instance:
		if (callee.instance->model >= 0 || is_keras_class(class_object(callee.klass))) {
			return call_keras_object(*this, callee, args);
		}
		break;
	case ObjectKind::Unavailable:
		fail(args.location, unavailable_reason(callee.text));
	default:
		break;
	}
	fail(args.location, type_name(callee) + " is not callable");
}

Object Evaluator::call_function(const Object &function, CallArgs &args, const Object *self) {
	const FunctionData &data = *function.function;
	if (++call_depth_ > kMaxCallDepth) {
		call_depth_ = 0;
		fail(args.location, "calls nest deeper than " + std::to_string(kMaxCallDepth) + " levels (recursion?)");
	}
	auto scope = new_scope(data.closure);
	method_stack_.push_back(self && data.owner ? std::make_pair(*self, data.owner)
	                                           : std::make_pair(make_none(), std::shared_ptr<ClassData>()));
	const auto &params = *data.params;
	std::vector<bool> bound(params.size(), false);
	size_t next_positional = 0;
	std::vector<Object> positional;
	if (self) {
		positional.push_back(*self);
	}
	positional.insert(positional.end(), args.positional.begin(), args.positional.end());
	Object extra_positional = new_tuple({}, args.location);
	Object extra_keywords = new_dict(args.location);
	bool has_star = false;
	bool has_double_star = false;
	for (const auto &value : positional) {
		while (next_positional < params.size() && params[next_positional].double_star) {
			next_positional++;
		}
		if (next_positional >= params.size()) {
			fail(args.location,
			     data.name + "() takes " + std::to_string(params.size()) + " positional arguments but more were given");
		}
		if (params[next_positional].star) {
			extra_positional.items->push_back(value);
			continue;
		}
		scope->names[params[next_positional].name] = value;
		bound[next_positional++] = true;
	}
	for (size_t i = 0; i < params.size(); i++) {
		has_star |= params[i].star;
		has_double_star |= params[i].double_star;
		if (params[i].star) {
			scope->names[params[i].name] = extra_positional;
			bound[i] = true;
		}
		if (params[i].double_star) {
			scope->names[params[i].name] = extra_keywords;
			bound[i] = true;
		}
	}
	for (size_t k = 0; k < args.keywords.size(); k++) {
		const std::string &name = args.keywords[k].first;
		const Object &value = args.keywords[k].second;
		auto param = std::find_if(params.begin(), params.end(),
		                          [&](const Param &p) { return p.name == name && !p.star && !p.double_star; });
		if (param == params.end()) {
			if (has_double_star) {
				set_item(*this, extra_keywords, make_str(name), value, args.keyword_at[k]);
				continue;
			}
			fail(args.keyword_at[k], data.name + "() has no parameter '" + name + "'");
		}
		size_t index = static_cast<size_t>(param - params.begin());
		if (bound[index]) {
			fail(args.keyword_at[k], data.name + "() got two values for '" + name + "'");
		}
		scope->names[name] = value;
		bound[index] = true;
	}
	for (size_t i = 0; i < params.size(); i++) {
		if (bound[i]) {
			continue;
		}
		if (!data.has_default[i]) {
			fail(args.location, data.name + "() needs the argument '" + params[i].name + "'");
		}
		scope->names[params[i].name] = data.defaults[i];
	}
	(void)has_star;
	Object result = make_none();
	struct PopMethod {
		std::vector<std::pair<Object, std::shared_ptr<ClassData>>> &stack;
		~PopMethod() { stack.pop_back(); }
	} pop{method_stack_};
	if (data.lambda_body) {
		result = evaluate(*data.lambda_body, scope);
	} else {
		Flow flow = execute(*data.body, scope);
		if (flow == Flow::Return) {
			result = std::move(return_value_);
			return_value_ = make_none();
		} else if (flow != Flow::Normal) {
			fail(data.location, "'break' or 'continue' outside a loop in " + data.name + "()");
		}
	}
	call_depth_--;
	return result;
}

Object Evaluator::super_object(CallArgs &args) {
	Object self;
	std::shared_ptr<ClassData> owner;
	if (args.positional.size() == 2 && args.positional[0].kind == ObjectKind::Class) {
		owner = args.positional[0].klass;
		self = args.positional[1];
	} else if (args.count() == 0 && !method_stack_.empty() && method_stack_.back().second) {
		self = method_stack_.back().first;
		owner = method_stack_.back().second;
	} else {
		fail(args.location, "super() is supported inside a method, as super() or super(Class, self)");
	}
	Object proxy;
	proxy.kind = ObjectKind::Super;
	proxy.klass = owner;
	proxy.receiver = std::make_shared<Object>(self);
	return proxy;
}

Object Evaluator::instantiate(const Object &klass, CallArgs &args) {
	auto data = std::make_shared<InstanceData>();
	owned_instances_.push_back(data);
	Object instance;
	instance.kind = ObjectKind::Instance;
	instance.klass = klass.klass;
	instance.instance = data;
	instance.location = args.location;
	bool keras_model = false;
	std::function<bool(const Object &)> derives_model = [&](const Object &base) {
		if (base.kind == ObjectKind::Builtin) {
			return base.text == "keras.Model";
		}
		if (base.kind != ObjectKind::Class) {
			return false;
		}
		return std::any_of(base.klass->bases.begin(), base.klass->bases.end(), derives_model);
	};
	keras_model = derives_model(klass);
	if (keras_model) {
		ModelData model;
		model.kind = ModelKind::Subclassed;
		model.class_name = klass.klass->name;
		model.name = graph_.unique_name(snake_case_name(klass.klass->name));
		model.location = args.location;
		model.instance = instance;
		models_.push_back(std::move(model));
		data->model = static_cast<int64_t>(models_.size()) - 1;
	}
	Object init = class_attribute(klass, "__init__");
	if (init.kind == ObjectKind::Function) {
		call_function(init, args, &instance);
	} else if (args.count() > 0 && !keras_model) {
		fail(args.location, klass.klass->name + "() takes no arguments");
	}
	return instance;
}

Object Evaluator::attribute(const Object &object, const std::string &name, SourceLocation location) {
	switch (object.kind) {
	case ObjectKind::Module:
	case ObjectKind::Unavailable:
		return module_attribute(object, name, location);
	case ObjectKind::Layer:
	case ObjectKind::Tensor:
	case ObjectKind::Model:
		return keras_attribute(*this, object, name, location);
	case ObjectKind::Instance: {
		auto found = object.instance->attributes.find(name);
		if (found != object.instance->attributes.end()) {
			return found->second;
		}
		Object member = class_attribute(class_object(object.klass), name);
		if (member.kind == ObjectKind::Function) {
			Object method;
			method.kind = ObjectKind::BoundMethod;
			method.text = name;
			method.receiver = std::make_shared<Object>(object);
			return method;
		}
		if (member.kind != ObjectKind::None) {
			return member;
		}
		if (object.instance->model >= 0) {
			Object model;
			model.kind = ObjectKind::Model;
			model.id = object.instance->model;
			return keras_attribute(*this, model, name, location);
		}
		fail(location, "'" + object.klass->name + "' object has no attribute '" + name + "'");
	}
	case ObjectKind::Class: {
		Object member = class_attribute(object, name);
		if (member.kind == ObjectKind::None) {
			fail(location, "class '" + object.klass->name + "' has no attribute '" + name + "'");
		}
		return member;
	}
	case ObjectKind::Super:
	case ObjectKind::List:
	case ObjectKind::Dict:
	case ObjectKind::Str:
	case ObjectKind::Tuple:
	case ObjectKind::Environ: {
		Object method;
		method.kind = ObjectKind::BoundMethod;
		method.text = name;
		method.receiver = std::make_shared<Object>(object);
		return method;
	}
	default:
		break;
	}
	fail(location, type_name(object) + " has no attribute '" + name + "' a model definition can use");
}

void Evaluator::set_attribute(const Object &object, const std::string &name, Object value, SourceLocation location) {
	switch (object.kind) {
	case ObjectKind::Instance:
		if (!object.instance->attributes.count(name)) {
			object.instance->order.push_back(name);
		}
		object.instance->attributes[name] = std::move(value);
		if (name == "trainable" && object.instance->model >= 0) {
			Object model;
			model.kind = ObjectKind::Model;
			model.id = object.instance->model;
			set_keras_attribute(*this, model, name, object.instance->attributes[name], location);
		}
		return;
	case ObjectKind::Layer:
	case ObjectKind::Model:
	case ObjectKind::Tensor:
		set_keras_attribute(*this, object, name, value, location);
		return;
	default:
		fail(location, "cannot set attribute '" + name + "' on " + type_name(object));
	}
}

std::vector<Object> Evaluator::iterate(const Object &object, SourceLocation location) {
	switch (object.kind) {
	case ObjectKind::List:
	case ObjectKind::Tuple:
		charge(static_cast<int64_t>(object.items->size()), location);
		return *object.items;
	case ObjectKind::Dict: {
		charge(static_cast<int64_t>(object.dict->entries.size()), location);
		std::vector<Object> keys;
		for (const auto &entry : object.dict->entries) {
			keys.push_back(entry.first);
		}
		return keys;
	}
	case ObjectKind::Range: {
		std::vector<Object> items;
		int64_t count = 0;
		if (object.step > 0 && object.stop > object.integer) {
			count = (object.stop - object.integer + object.step - 1) / object.step;
		} else if (object.step < 0 && object.stop < object.integer) {
			count = (object.integer - object.stop - object.step - 1) / -object.step;
		}
		if (static_cast<size_t>(count) > kMaxSequenceLength) {
			fail(location, "a range of more than " + std::to_string(kMaxSequenceLength) + " numbers");
		}
		charge(count, location);
		for (int64_t i = 0; i < count; i++) {
			items.push_back(make_int(object.integer + i * object.step));
		}
		return items;
	}
	case ObjectKind::Str: {
		charge(static_cast<int64_t>(object.text.size()), location);
		std::vector<Object> items;
		for (char c : object.text) {
			items.push_back(make_str(std::string(1, c)));
		}
		allocate(items.size(), location);
		return items;
	}
	case ObjectKind::Model:
	case ObjectKind::Layer:
	case ObjectKind::Tensor:
		fail(location, type_name(object) + " cannot be iterated when the model is defined");
	default:
		fail(location, type_name(object) + " is not iterable");
	}
}

} // namespace kafkaml::ml::spec
