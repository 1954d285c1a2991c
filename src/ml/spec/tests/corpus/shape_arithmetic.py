from tensorflow import keras
from tensorflow.keras import layers

IMAGE_SHAPE = (48, 48, 3)
height, width, channels = IMAGE_SHAPE

inputs = keras.Input(shape=IMAGE_SHAPE)
x = layers.Reshape((height * width, IMAGE_SHAPE[-1]))(inputs)
x = layers.Conv1D(filters=max(4, len(IMAGE_SHAPE)), kernel_size=channels, strides=channels ** 2 - 1)(x)
x = layers.GlobalAveragePooling1D()(x)
spatial = IMAGE_SHAPE[:2]
assert min(spatial) == 48, "square images"
x = layers.Dense(x.shape[-1] * 2, activation="relu")(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="mse")
