from tensorflow import keras
from tensorflow.keras import layers

inputs = keras.Input(shape=(20, 4))
sequence, state = layers.GRU(16, return_sequences=True, return_state=True)(inputs)
last, h = layers.SimpleRNN(16, return_state=True)(sequence, initial_state=[state])
merged = layers.concatenate([state, h])
outputs = layers.Dense(1)(merged)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="mse")
