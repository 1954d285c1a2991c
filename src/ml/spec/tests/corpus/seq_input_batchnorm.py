import tensorflow as tf
from tensorflow.keras import layers

model = tf.keras.Sequential()
model.add(tf.keras.Input(shape=(20,)))
model.add(layers.Dense(64, use_bias=True))
model.add(layers.BatchNormalization())
model.add(layers.Activation("relu"))
model.add(layers.Dense(1, activation="sigmoid"))
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
              metrics=["binary_accuracy", "AUC"])
