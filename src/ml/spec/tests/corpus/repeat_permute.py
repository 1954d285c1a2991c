from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Dense(16, activation="relu", input_shape=(10,)),
    layers.RepeatVector(5),
    layers.LSTM(8, return_sequences=True),
    layers.Permute((2, 1)),
    layers.Flatten(),
    layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse")
