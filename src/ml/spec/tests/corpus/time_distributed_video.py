import tensorflow as tf
from tensorflow.keras import layers

frames, height, width = 10, 32, 32
model = tf.keras.Sequential([
    layers.TimeDistributed(layers.Conv2D(8, 3, activation="relu"), input_shape=(frames, height, width, 3)),
    layers.TimeDistributed(layers.MaxPooling2D()),
    layers.TimeDistributed(layers.GlobalAveragePooling2D()),
    layers.LSTM(16),
    layers.Dense(2, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
