# Weather forecasting as older Keras code (and code exporting to CuDNN-less
# runtimes) writes it: GRU v1 weights, one bias vector per layer.
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential()
model.add(layers.GRU(32, return_sequences=True, reset_after=False, input_shape=(24, 6)))
model.add(layers.GRU(16, reset_after=False, recurrent_dropout=0.1))
model.add(layers.Dense(1))
model.compile(optimizer="rmsprop", loss="mae")
