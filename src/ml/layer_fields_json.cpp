#include "ml/layer_fields_json.h"

namespace kafkaml::ml {

namespace {

nlohmann::json regularizer_to_json(const RegularizerSpec &r) {
	return {{"l1", r.l1}, {"l2", r.l2}};
}

//! Visits every added field as (key, member) so writing and reading list them once.
template <class Layer, class Visit>
void visit_fields(Layer &l, Visit &&visit) {
	visit("trainable", l.trainable);
	visit("dropout", l.dropout);
	visit("recurrent_dropout", l.recurrent_dropout);
	visit("return_state", l.return_state);
	visit("merge_mode", l.merge_mode);
	visit("depth_multiplier", l.depth_multiplier);
	visit("depthwise_initializer", l.depthwise_initializer);
	visit("pointwise_initializer", l.pointwise_initializer);
	visit("output_padding", l.output_padding);
	visit("size", l.size);
	visit("interpolation", l.interpolation);
	visit("zero_padding", l.zero_padding);
	visit("cropping", l.cropping);
	visit("repeat", l.repeat);
	visit("dims", l.dims);
	visit("axis", l.axis);
	visit("axes", l.axes);
	visit("normalize", l.normalize);
	visit("num_heads", l.num_heads);
	visit("key_dim", l.key_dim);
	visit("value_dim", l.value_dim);
	visit("output_shape", l.output_shape);
	visit("stddev", l.stddev);
	visit("max_value", l.max_value);
	visit("negative_slope", l.negative_slope);
	visit("threshold", l.threshold);
	visit("alpha_initializer", l.alpha_initializer);
	visit("shared_axes", l.shared_axes);
	visit("rescale", l.rescale);
	visit("offset", l.offset);
	visit("mean", l.mean);
	visit("variance", l.variance);
	visit("mode", l.mode);
	visit("factor", l.factor);
	visit("width_factor", l.width_factor);
	visit("fill_mode", l.fill_mode);
	visit("fill_value", l.fill_value);
	visit("height", l.height);
	visit("width", l.width);
	visit("crop_to_aspect_ratio", l.crop_to_aspect_ratio);
	visit("kernel_regularizer", l.kernel_regularizer);
	visit("bias_regularizer", l.bias_regularizer);
	visit("activity_regularizer", l.activity_regularizer);
	visit("recurrent_regularizer", l.recurrent_regularizer);
	visit("depthwise_regularizer", l.depthwise_regularizer);
	visit("pointwise_regularizer", l.pointwise_regularizer);
}

template <class T>
void write(nlohmann::json &j, const char *key, const T &value) {
	j[key] = value;
}
void write(nlohmann::json &j, const char *key, const RegularizerSpec &value) {
	j[key] = regularizer_to_json(value);
}
void write(nlohmann::json &j, const char *key, const std::optional<double> &value) {
	j[key] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

template <class T>
void read(const nlohmann::json &j, const char *key, T &value) {
	if (j.contains(key)) {
		j.at(key).get_to(value);
	}
}
void read(const nlohmann::json &j, const char *key, RegularizerSpec &value) {
	if (j.contains(key)) {
		j.at(key).at("l1").get_to(value.l1);
		j.at(key).at("l2").get_to(value.l2);
	}
}
void read(const nlohmann::json &j, const char *key, std::optional<double> &value) {
	if (j.contains(key) && !j.at(key).is_null()) {
		value = j.at(key).get<double>();
	}
}

} // namespace

void added_layer_fields_to_json(const LayerSpec &layer, nlohmann::json &j,
                                const std::function<nlohmann::json(const LayerSpec &)> &layer_to_json) {
	visit_fields(layer, [&](const char *key, const auto &value) { write(j, key, value); });
	nlohmann::json wrapped = nlohmann::json::array();
	for (const auto &inner : layer.wrapped) {
		wrapped.push_back(layer_to_json(inner));
	}
	j["wrapped"] = wrapped;
}

void added_layer_fields_from_json(const nlohmann::json &j, LayerSpec &layer,
                                  const std::function<LayerSpec(const nlohmann::json &)> &layer_from_json) {
	visit_fields(layer, [&](const char *key, auto &value) { read(j, key, value); });
	if (j.contains("wrapped")) {
		for (const auto &inner : j.at("wrapped")) {
			layer.wrapped.push_back(layer_from_json(inner));
		}
	}
}

} // namespace kafkaml::ml
