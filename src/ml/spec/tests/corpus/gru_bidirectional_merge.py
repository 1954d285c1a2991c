from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    keras.Input(shape=(None, 8)),
    layers.Bidirectional(layers.GRU(16, return_sequences=True), merge_mode="sum"),
    layers.Bidirectional(layers.GRU(8), merge_mode="ave"),
    layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Nadam(learning_rate=0.002, clipnorm=1.0), loss="mse")
