#pragma once

// ModelSpecs written in code for the engine tests, filled the way the
// parser fills them (Keras defaults, names dense, dense_1, ...).

#include "ml/model.h"
#include "ml/rng.h"

#include <map>
#include <string>

namespace kafkaml::ml::testing {

inline LayerSpec layer(LayerKind kind, std::string name) {
	LayerSpec l;
	l.kind = kind;
	l.name = std::move(name);
	return l;
}

inline LayerSpec dense(std::string name, int64_t units, std::string activation = "linear") {
	auto l = layer(LayerKind::Dense, std::move(name));
	l.units = units;
	l.activation = std::move(activation);
	return l;
}

inline LayerSpec dropout(std::string name, double rate) {
	auto l = layer(LayerKind::Dropout, std::move(name));
	l.rate = rate;
	return l;
}

inline CompileSpec compile(std::string optimizer, double lr, std::string loss, std::vector<std::string> metrics) {
	CompileSpec c;
	c.present = true;
	c.optimizer.name = std::move(optimizer);
	c.optimizer.learning_rate = lr;
	c.loss.name = std::move(loss);
	c.metrics = std::move(metrics);
	return c;
}

//! The HCOPD model of the paper's validation (the README's example).
inline ModelSpec hcopd_spec() {
	ModelSpec spec;
	spec.layers.push_back(dropout("dropout", 0.2));
	spec.layers.back().input_shape = Shape{3};
	spec.layers.push_back(dense("dense", 4, "sigmoid"));
	spec.layers.push_back(dense("dense_1", 2, "softmax"));
	spec.compile = compile("adam", 1e-4, "sparse_categorical_crossentropy", {"accuracy"});
	return spec;
}

//! HCOPD-like rows (Gender, Age, Smoking -> Diagnosis) with a real signal:
//! COPD is likelier with age and smoking. Features standardised.
struct GeneratedData {
	Array x, y;
};

inline GeneratedData hcopd_like(int64_t rows, uint64_t seed) {
	Rng rng(seed);
	GeneratedData d;
	d.x.shape = {rows, 3};
	d.y.shape = {rows};
	for (int64_t i = 0; i < rows; i++) {
		float gender = rng.uniform() < 0.5f ? 0.0f : 1.0f;
		float age = rng.uniform(20.0f, 90.0f);
		float smoking = static_cast<float>(1 + rng.below(3));
		double score = (age - 55.0) / 12.0 + (smoking - 2.0) * 1.2 + 0.3 * rng.normal();
		d.x.data.insert(d.x.data.end(), {gender, (age - 55.0f) / 20.0f, (smoking - 2.0f) / 0.8f});
		d.y.data.push_back(score > 0 ? 1.0f : 0.0f);
	}
	return d;
}

inline double metric(const MetricValues &values, const std::string &name) {
	for (const auto &[n, v] : values) {
		if (n == name) {
			return v;
		}
	}
	return -1.0;
}

} // namespace kafkaml::ml::testing
