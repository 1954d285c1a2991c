#pragma once

// HCOPD-like data made in the test: Gender, Age, Smoking (z-scored) -> a
// Diagnosis with a real signal (older smokers are more often ill), as RAW
// float32 values with uint8 labels, the way the original's RawSink sends them.

#include "stream/memory_log.h"

#include <cstring>
#include <random>
#include <string>

namespace kafkaml::workers::testing {

inline constexpr const char *kHcopdModel = R"(model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
)";

inline std::string float_bytes(std::initializer_list<float> values) {
	std::string bytes(values.size() * sizeof(float), '\0');
	std::memcpy(bytes.data(), values.begin(), bytes.size());
	return bytes;
}

//! Appends `rows` labelled records to topic/partition; returns the first
//! offset. `flipped`: the concept changes, each record keyed by the other
//! label than the rule gives.
inline int64_t append_hcopd_like(stream::MemoryLog &log, const std::string &topic, int32_t partition, int rows,
                                 uint32_t seed, bool flipped = false) {
	std::mt19937 rng(seed);
	std::normal_distribution<float> noise(0.0f, 1.0f);
	std::bernoulli_distribution coin(0.5);
	int64_t first = -1;
	for (int i = 0; i < rows; ++i) {
		bool ill = coin(rng);
		float gender = coin(rng) ? 1.0f : -1.0f;
		float age = (ill ? 0.9f : -0.9f) + 0.6f * noise(rng);
		float smoking = (ill ? 0.7f : -0.7f) + 0.7f * noise(rng);
		stream::Record record;
		record.topic = topic;
		record.partition = partition;
		record.key = std::string(1, static_cast<char>(ill != flipped ? 1 : 0));
		record.value = float_bytes({gender, age, smoking});
		auto offset = log.append(std::move(record));
		if (first < 0) {
			first = offset;
		}
	}
	return first;
}

} // namespace kafkaml::workers::testing
