from tensorflow import keras
from tensorflow.keras import layers

feature_extractor = keras.Sequential([
    layers.Dense(32, activation="relu"),
    layers.Dense(16, activation="relu"),
], name="features")

inputs = keras.Input(shape=(10,))
x = feature_extractor(inputs)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy")
