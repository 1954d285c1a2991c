import tensorflow as tf
from tensorflow.keras import layers

inputs = tf.keras.Input(shape=(16,))
x = layers.Dense(32)(inputs)
x = layers.ReLU(max_value=6.0)(x)
x = layers.Dense(32)(x)
x = layers.LeakyReLU(alpha=0.1)(x)
x = layers.Dense(8)(x)
x = layers.ELU(alpha=0.5)(x)
x = layers.PReLU()(x)
x = layers.Dense(4)(x)
outputs = layers.Softmax()(x)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="categorical_crossentropy")
