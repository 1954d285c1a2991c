from tensorflow import keras
from tensorflow.keras.layers import Bidirectional, LSTM, TimeDistributed, Dense, Input

# Tag each of 30 time steps with one of 5 labels.
inputs = Input(shape=(30, 12))
x = Bidirectional(LSTM(64, return_sequences=True))(inputs)
outputs = TimeDistributed(Dense(5, activation="softmax"))(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
