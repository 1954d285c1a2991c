#pragma once

// Internal to the model file: writes and reads one spec field under its key.
// Fields added after the file format's first version go through read(), which
// keeps the spec's default when a file written before them lacks the key.
//
// Thread-safety: pure functions.

#include <nlohmann/json.hpp>

#include <optional>

namespace kafkaml::ml::json_fields {

template <class T>
void write(nlohmann::json &j, const char *key, const T &value) {
	j[key] = value;
}

template <class T>
void write(nlohmann::json &j, const char *key, const std::optional<T> &value) {
	j[key] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

template <class T>
void read(const nlohmann::json &j, const char *key, T &value) {
	if (j.contains(key)) {
		j.at(key).get_to(value);
	}
}

template <class T>
void read(const nlohmann::json &j, const char *key, std::optional<T> &value) {
	if (j.contains(key) && !j.at(key).is_null()) {
		value = j.at(key).get<T>();
	}
}

} // namespace kafkaml::ml::json_fields
