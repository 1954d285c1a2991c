#include "ml/spec/lambda_layer.h"

#include "ml/spec/python_ast.h"
#include "ml/spec/value.h"

#include <optional>

namespace kafkaml::ml::spec {

namespace {

constexpr const char *k_instead =
    "; a model definition runs no user code, so a Lambda may only be x combined with numbers by + - * / "
    "(layers.Rescaling), tf.reduce_mean(x, axis=1) or tf.reduce_max(x, axis=1) (layers.GlobalAveragePooling1D, "
    "GlobalMaxPooling1D); write the built-in layer instead";

std::optional<double> number(const Expr &e) {
	if (e.kind == ExprKind::Int) {
		return static_cast<double>(e.integer);
	}
	if (e.kind == ExprKind::Float) {
		return e.number;
	}
	if (e.kind == ExprKind::Unary && (e.text == "-" || e.text == "+")) {
		if (auto inner = number(*e.children[0])) {
			return e.text == "-" ? -*inner : *inner;
		}
	}
	return std::nullopt;
}

bool is_param(const Expr &e, const std::string &param) {
	return e.kind == ExprKind::Name && e.text == param;
}

//! The dotted name of a callee (tf.math.reduce_mean), "" when it is none.
std::string dotted(const Expr &e) {
	if (e.kind == ExprKind::Name) {
		return e.text;
	}
	if (e.kind == ExprKind::Attribute) {
		std::string parent = dotted(*e.children[0]);
		return parent.empty() ? "" : parent + "." + e.text;
	}
	return "";
}

struct Affine {
	double scale = 1.0;
	double offset = 0.0;
};

//! `body` as scale * x + offset when it is x combined with numbers by
//! + - * / (x / a with a nonzero), such as (x - 0.5) * 2.0.
std::optional<Affine> affine(const Expr &body, const std::string &param) {
	if (is_param(body, param)) {
		return Affine{};
	}
	if (body.kind == ExprKind::Unary && body.text == "-") {
		if (auto inner = affine(*body.children[0], param)) {
			return Affine{-inner->scale, -inner->offset};
		}
		return std::nullopt;
	}
	if (body.kind != ExprKind::Binary) {
		return std::nullopt;
	}
	const std::string &op = body.text;
	auto left = affine(*body.children[0], param), right = affine(*body.children[1], param);
	auto left_number = number(*body.children[0]), right_number = number(*body.children[1]);
	if (left && right_number) {
		double a = *right_number;
		if (op == "*") {
			return Affine{left->scale * a, left->offset * a};
		}
		if (op == "/" && a != 0.0) {
			return Affine{left->scale / a, left->offset / a};
		}
		if (op == "+" || op == "-") {
			return Affine{left->scale, left->offset + (op == "+" ? a : -a)};
		}
	}
	if (right && left_number) {
		double a = *left_number;
		if (op == "*") {
			return Affine{right->scale * a, right->offset * a};
		}
		if (op == "+") {
			return Affine{right->scale, right->offset + a};
		}
		if (op == "-") {
			return Affine{-right->scale, a - right->offset};
		}
	}
	return std::nullopt;
}

//! The axes of a reduction: axis=1 or axis=[1, 2] / (1, 2).
std::vector<int64_t> axes_of(const Expr &e) {
	if (e.kind == ExprKind::Int) {
		return {e.integer};
	}
	std::vector<int64_t> axes;
	if (e.kind == ExprKind::List || e.kind == ExprKind::Tuple) {
		for (const auto &item : e.children) {
			if (item->kind != ExprKind::Int) {
				return {};
			}
			axes.push_back(item->integer);
		}
	}
	return axes;
}

std::optional<LambdaLowering> reduction(const Expr &body, const std::string &param, SourceLocation at) {
	if (body.kind != ExprKind::Call) {
		return std::nullopt;
	}
	std::string callee = dotted(*body.children[0]);
	bool mean = callee == "tf.reduce_mean" || callee == "tf.math.reduce_mean";
	bool max = callee == "tf.reduce_max" || callee == "tf.math.reduce_max";
	if (!mean && !max) {
		return std::nullopt;
	}
	const Expr *axis = nullptr;
	if (body.positional == 2) {
		axis = body.children[2].get();
	} else if (body.positional == 1 && body.keywords.size() == 1 && body.keywords[0] == "axis") {
		axis = body.children[2].get();
	}
	if (body.positional < 1 || !is_param(*body.children[1], param) || !axis || body.children.size() != 3) {
		fail(at,
		     "Lambda's " + callee + " must be " + callee + "(x, axis=1) or axis=[1, 2], without keepdims" + k_instead);
	}
	auto axes = axes_of(*axis);
	std::string pooling = mean ? "Average" : "Max";
	if (axes == std::vector<int64_t>{1}) {
		return LambdaLowering{"keras.layers.Global" + pooling + "Pooling1D", {}};
	}
	if (axes == std::vector<int64_t>{1, 2}) {
		return LambdaLowering{"keras.layers.Global" + pooling + "Pooling2D", {}};
	}
	fail(at, "Lambda's " + callee + " reduces over axis=1 (sequences) or axis=[1, 2] (images) only" + k_instead);
}

} // namespace

LambdaLowering lower_lambda(const Object &function, SourceLocation at) {
	if (function.kind != ObjectKind::Function || !function.function->lambda_body) {
		fail(at, "layers.Lambda needs a lambda as its first argument, such as Lambda(lambda x: x / 255.0)" +
		             std::string(k_instead));
	}
	const FunctionData &data = *function.function;
	if (data.params->size() != 1 || data.params->front().star || data.params->front().double_star) {
		fail(at, "a Lambda's lambda takes one tensor, as in lambda x: x / 255.0" + std::string(k_instead));
	}
	const std::string &param = data.params->front().name;
	const Expr &body = *data.lambda_body;
	if (auto a = affine(body, param)) {
		return {"keras.layers.Rescaling", {{"scale", make_float(a->scale)}, {"offset", make_float(a->offset)}}};
	}
	if (auto lowered = reduction(body, param, at)) {
		return *lowered;
	}
	if (body.kind == ExprKind::Subscript) {
		fail(at, "a Lambda that slices its input is not supported: for the last time step, x[:, -1, :], give the "
		         "recurrent layer before return_sequences=False; else use layers.Cropping1D/2D" +
		             std::string(k_instead));
	}
	if (body.kind == ExprKind::Call && dotted(*body.children[0]).ends_with("expand_dims")) {
		fail(at, "a Lambda with expand_dims is not supported: write layers.Reshape with the new shape, e.g. "
		         "Reshape((28, 28, 1)) for tf.expand_dims(x, -1) on 28x28 inputs" +
		             std::string(k_instead));
	}
	fail(at, "this Lambda is not supported" + std::string(k_instead));
}

} // namespace kafkaml::ml::spec
