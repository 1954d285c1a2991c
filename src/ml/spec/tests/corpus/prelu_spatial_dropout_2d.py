from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Conv2D(8, 3, input_shape=(24, 24, 3)),
    layers.PReLU(shared_axes=[1, 2]),
    layers.SpatialDropout2D(0.2),
    layers.Flatten(),
    layers.Dense(2, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy")
