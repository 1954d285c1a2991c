from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential(name="wavenet_like")
for i, rate in enumerate([1, 2, 4, 8]):
    extra = {"input_shape": (128, 1)} if i == 0 else {}
    model.add(layers.Conv1D(filters=16, kernel_size=2, padding="causal", dilation_rate=rate, activation="relu",
                            **extra))
model.add(layers.Conv1D(1, 1))
model.compile(optimizer="adam", loss="mse")
