import tensorflow as tf
from tensorflow.keras import layers

a = tf.keras.Input(shape=(8,))
b = tf.keras.Input(shape=(8,))
parts = [
    layers.add([a, b]),
    layers.subtract([a, b]),
    layers.multiply([a, b]),
    layers.average([a, b]),
    layers.maximum([a, b]),
    layers.minimum([a, b]),
]
joined = layers.concatenate(parts, axis=-1)
out = layers.Dense(2, activation="softmax")(joined)
model = tf.keras.Model(inputs=[a, b], outputs=out)
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["categorical_accuracy"])
