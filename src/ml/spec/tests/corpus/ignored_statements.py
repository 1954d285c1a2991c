import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"

import numpy as np
import tensorflow as tf
from tensorflow import keras
import matplotlib.pyplot as plt

np.random.seed(7)
tf.random.set_seed(7)
keras.utils.set_random_seed(42)
tf.keras.backend.clear_session()
print("TensorFlow", tf.__name__ if False else "version")

model = keras.Sequential([
    keras.layers.Dense(10, activation="relu", input_shape=(4,)),
    keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.summary()
print(model.summary())
keras.utils.plot_model(model, "model.png", show_shapes=True)
early_stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5)
