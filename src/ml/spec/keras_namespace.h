#pragma once

// The modelled names of TensorFlow, Keras, NumPy and os: what `import`
// binds, what `tf.keras.layers.Dense` resolves to, and what calling one of
// them does (build a layer, a tensor, a model, an optimizer/loss/metric
// description, or nothing at all for seeds, prints and plots). Paths are
// canonical: tf.keras.X and tensorflow.keras.X are keras.X,
// keras.models.Sequential is keras.Sequential, numpy is np.
//
// Thread-safety: pure functions over one Evaluator.

#include "ml/spec/evaluator.h"

#include <optional>
#include <string>

namespace kafkaml::ml::spec {

//! What `import a.b` / `from a import b` binds for the dotted path: a
//! Module, a Builtin, or Unavailable for modules that are not modelled
//! (any use of those is an error naming them).
Object import_object(const std::string &dotted, SourceLocation location);

//! The modelled names a definition may use without importing them, as
//! users paste code without its import lines: tf, keras, layers, np, ...
//! and Keras' class names (Sequential, Dense, Adam, ...). nullopt for others.
std::optional<Object> implicit_object(const std::string &name);

//! Why a name that is not modelled cannot be used: "'<dotted>' is not
//! available in a model definition: <reason>".
std::string unavailable_reason(const std::string &dotted);

//! `module.name` for a Module or Unavailable object.
Object module_attribute(const Object &module, const std::string &name, SourceLocation location);

//! Calls a Builtin of a modelled module (keras.layers.Dense, tf.random.set_seed, ...).
Object call_namespace(Evaluator &evaluator, const std::string &path, CallArgs &args);

//! Layer, Tensor and Model objects: attributes, attribute assignment,
//! methods, and calling them (layer(x), model(x)).
Object keras_attribute(Evaluator &evaluator, const Object &object, const std::string &name, SourceLocation location);
void set_keras_attribute(Evaluator &evaluator, const Object &object, const std::string &name, const Object &value,
                         SourceLocation location);
Object keras_method(Evaluator &evaluator, const Object &receiver, const std::string &name, CallArgs &args);
Object call_keras_object(Evaluator &evaluator, const Object &callee, CallArgs &args);

//! Is `path` a Keras base class a user class may derive from
//! (keras.Model, keras.layers.Layer)?
bool is_keras_base_class(const std::string &path);

//! `a op b` where one side is a Keras tensor: the merge layer Keras
//! inserts (+ Add, - Subtract, * Multiply between tensors); other cases are
//! errors that say which layer to use.
Object tensor_operation(Evaluator &evaluator, const std::string &op, const Object &a, const Object &b,
                        SourceLocation location);

//! The tensor ids of a tensor argument: one tensor, or a list/tuple of them.
std::vector<int64_t> tensors_of(const Object &value, SourceLocation location, const std::string &what);

} // namespace kafkaml::ml::spec
