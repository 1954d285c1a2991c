import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.layers.SeparableConv1D(32, 5, activation="relu", input_shape=(50, 8)),
    tf.keras.layers.GlobalMaxPooling1D(),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
