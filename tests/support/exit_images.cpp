#include "support/exit_images.h"

#include <fstream>
#include <random>
#include <stdexcept>

namespace kafkaml::testing {

const char *const kTwoExitCnn = R"(import tensorflow as tf
from tensorflow.keras import layers
image = tf.keras.Input(shape=(8, 8, 1), name="image")
x = layers.Conv2D(4, (3, 3), activation="relu", padding="same")(image)
x = layers.MaxPooling2D((2, 2))(x)
x = layers.Flatten()(x)
early = layers.Dense(2, activation="softmax", name="early")(x)
deep = layers.Dense(16, activation="relu")(x)
late = layers.Dense(2, activation="softmax", name="late")(deep)
model = tf.keras.Model(inputs=image, outputs=[early, late])
model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              loss_weights=[0.5, 1.0], metrics=["accuracy"])
)";

std::vector<float> exit_image(int i) {
	std::mt19937 rng(static_cast<unsigned>(i) * 2654435761u);
	std::normal_distribution<float> noise(0.0f, 1.0f);
	float contrast = 0.03f + 0.04f * static_cast<float>(i % 7);
	std::vector<float> pixels(64);
	for (int row = 0; row < 8; ++row) {
		for (int column = 0; column < 8; ++column) {
			bool bright = (column < 4) == (exit_image_label(i) == 0);
			pixels[row * 8 + column] = (bright ? contrast : -contrast) + noise(rng);
		}
	}
	return pixels;
}

void write_exit_images_csv(const std::filesystem::path &path, int first, int count) {
	std::ofstream csv(path);
	for (int p = 0; p < 64; ++p) {
		csv << "p" << p << ",";
	}
	csv << "label\n";
	for (int i = first; i < first + count; ++i) {
		for (float v : exit_image(i)) {
			csv << v << ",";
		}
		csv << exit_image_label(i) << "\n";
	}
	if (!csv.flush()) {
		throw std::runtime_error("cannot write " + path.string());
	}
}

} // namespace kafkaml::testing
