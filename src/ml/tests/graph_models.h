#pragma once

// Functional Keras models (graphs) as users write them, shared by the
// engine's graph tests (graph_test.cpp) and the PyTorch comparisons
// (graph_interop_test.cpp). Layers are named where the comparisons read
// their weights.

namespace kafkaml::ml::testing {

//! Two inputs, a Dense branch each, Concatenate, Dense.
inline constexpr const char *kTwoInputsModel = R"(from tensorflow import keras
from tensorflow.keras import layers
a = keras.Input(shape=(3,), name="a")
b = keras.Input(shape=(2,), name="b")
x = layers.Dense(4, activation="relu", name="left")(a)
y = layers.Dense(4, activation="tanh", name="right")(b)
z = layers.Concatenate()([x, y])
out = layers.Dense(1, activation="sigmoid", name="out")(z)
model = keras.Model([a, b], out)
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
)";

//! A residual block: the input added to two Dense layers' output.
inline constexpr const char *kResidualModel = R"(from tensorflow import keras
from tensorflow.keras import layers
inputs = keras.Input(shape=(6,))
h = layers.Dense(6, activation="relu", name="inner")(inputs)
h = layers.Dense(6, name="inner_1")(h)
x = layers.Add()([inputs, h])
x = layers.Activation("relu")(x)
out = layers.Dense(2, name="out")(x)
model = keras.Model(inputs, out)
model.compile(optimizer="sgd", loss="mse")
)";

//! Two outputs with their own losses, weights and metrics.
inline constexpr const char *kTwoOutputsModel = R"(import tensorflow as tf
features = tf.keras.Input(shape=(5,), name="features")
trunk = tf.keras.layers.Dense(8, activation="relu", name="trunk")(features)
price = tf.keras.layers.Dense(1, name="price")(trunk)
category = tf.keras.layers.Dense(3, activation="softmax", name="category")(trunk)
model = tf.keras.Model(inputs=features, outputs=[price, category])
model.compile(
    optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
    loss={"price": "mse", "category": "sparse_categorical_crossentropy"},
    loss_weights={"price": 0.5, "category": 1.0},
    metrics={"price": ["mae"], "category": ["accuracy"]},
)
)";

//! One Dense layer applied to two inputs (shared weights), then every
//! element-wise merge.
inline constexpr const char *kSharedModel = R"(from tensorflow import keras
from tensorflow.keras import layers
left = keras.Input(shape=(4,), name="left")
right = keras.Input(shape=(4,), name="right")
encoder = layers.Dense(3, activation="tanh", name="encoder")
l = encoder(left)
r = encoder(right)
merged = layers.concatenate([layers.subtract([l, r]), layers.multiply([l, r]), layers.maximum([l, r]),
                             layers.minimum([l, r]), layers.average([l, r]), layers.add([l, r, l])])
out = layers.Dense(1, name="out")(merged)
model = keras.Model([left, right], out)
model.compile(optimizer="adam", loss="mse")
)";

//! Dot between sequences (axes 2) and a cosine (normalize) between vectors.
inline constexpr const char *kDotModel = R"(from tensorflow import keras
from tensorflow.keras import layers
a = keras.Input(shape=(3, 4), name="a")
b = keras.Input(shape=(5, 4), name="b")
scores = layers.Dot(axes=2)([a, b])
q = layers.Dense(4, name="q")(layers.Flatten()(scores))
r = layers.Dense(4, name="r")(layers.Flatten()(b))
cosine = layers.Dot(axes=1, normalize=True)([q, r])
out = layers.Dense(1, name="out")(layers.Concatenate(axis=-1)([q, cosine]))
model = keras.Model([a, b], out)
model.compile(optimizer="adam", loss="mse")
)";

//! Cross-attention with its own key, value_dim and output_shape, and
//! self-attention at the defaults.
inline constexpr const char *kAttentionModel = R"(from tensorflow import keras
from tensorflow.keras import layers
query = keras.Input(shape=(4, 6), name="query")
value = keras.Input(shape=(5, 3), name="value")
key = keras.Input(shape=(5, 2), name="key")
cross = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=5, name="cross")(query, value, key)
self_attention = layers.MultiHeadAttention(num_heads=3, key_dim=2, name="self_attention")(query, query)
x = layers.Concatenate()([cross, self_attention])
out = layers.Dense(1, name="out")(layers.Flatten()(x))
model = keras.Model([query, value, key], out)
model.compile(optimizer="adam", loss="mse")
)";

//! Self-attention over a grid (two attention axes, attended jointly), no
//! biases, a shaped output.
inline constexpr const char *kGridAttentionModel = R"(from tensorflow import keras
from tensorflow.keras import layers
grid = keras.Input(shape=(2, 3, 4), name="grid")
y = layers.MultiHeadAttention(num_heads=2, key_dim=5, use_bias=False, output_shape=(2, 3), name="grid_attention")(grid, grid)
model = keras.Model(grid, layers.Dense(1, name="out")(layers.Flatten()(y)))
model.compile(optimizer="adam", loss="mse")
)";

//! Recurrent states between layers, as encoder-decoder tutorials pass them:
//! return_state on LSTM, GRU and SimpleRNN, initial_state on the next
//! layer, a returned state as a model output.
inline constexpr const char *kRecurrentStatesModel = R"(from tensorflow import keras
from tensorflow.keras import layers
source = keras.Input(shape=(5, 3), name="source")
target = keras.Input(shape=(4, 2), name="target")
_, h, c = layers.LSTM(4, return_state=True, name="encoder")(source)
sequence, _, c_out = layers.LSTM(4, return_sequences=True, return_state=True, name="decoder")(target, initial_state=[h, c])
summary, g = layers.GRU(3, return_state=True, name="gru")(sequence)
tail = layers.SimpleRNN(3, name="tail")(sequence, initial_state=[g])
words = layers.Dense(6, activation="softmax", name="words")(layers.concatenate([tail, summary]))
model = keras.Model([source, target], [words, c_out])
model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
)";

} // namespace kafkaml::ml::testing
