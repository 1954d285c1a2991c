from tensorflow.keras import Sequential
from tensorflow.keras.layers import SpatialDropout1D, Conv1D, GaussianNoise, GlobalMaxPooling1D, GaussianDropout, Dense

model = Sequential([
    SpatialDropout1D(0.1, input_shape=(50, 10)),
    Conv1D(16, 3, activation="relu"),
    GaussianNoise(0.05),
    GlobalMaxPooling1D(),
    GaussianDropout(0.2),
    Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy")
