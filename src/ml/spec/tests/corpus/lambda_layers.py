import tensorflow as tf
from tensorflow.keras import layers

# Lambdas of the forms a model definition lowers to built-in layers (no user
# code runs): scaling to Rescaling, a mean over time to GlobalAveragePooling1D.
model = tf.keras.Sequential([
    layers.Lambda(lambda x: x / 255.0, input_shape=(20, 8)),
    layers.Lambda(lambda x: (x - 0.5) * 2.0, name="centre"),
    layers.LSTM(16, return_sequences=True),
    layers.Lambda(lambda x: tf.reduce_mean(x, axis=1)),
    layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
