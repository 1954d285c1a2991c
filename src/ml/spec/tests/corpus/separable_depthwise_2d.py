from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.SeparableConv2D(16, 3, padding="same", depth_multiplier=2, activation="relu"),
    layers.DepthwiseConv2D(3, depth_multiplier=1, activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(4, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy")
