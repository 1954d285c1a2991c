from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.ZeroPadding1D(padding=2, input_shape=(40, 6)),
    layers.Conv1D(8, 5),
    layers.Cropping1D(cropping=(2, 3)),
    layers.UpSampling1D(size=2),
    layers.GlobalAveragePooling1D(),
    layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse")
