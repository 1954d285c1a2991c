from tensorflow import keras
from tensorflow.keras import layers

volume = keras.Input(shape=(16, 16, 16, 1))
x = layers.Conv3D(8, 3, activation="relu")(volume)
x = layers.MaxPooling3D(2)(x)
x = layers.Conv3D(16, 3, padding="same", activation="relu")(x)
x = layers.AveragePooling3D(pool_size=(2, 2, 2), padding="same")(x)
pooled = layers.concatenate([layers.GlobalAveragePooling3D()(x), layers.GlobalMaxPooling3D()(x)])
outputs = layers.Dense(2, activation="softmax")(pooled)
model = keras.Model(volume, outputs)
model.compile(optimizer="adam", loss="categorical_crossentropy")
