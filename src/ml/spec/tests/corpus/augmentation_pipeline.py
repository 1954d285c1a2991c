import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

IMG_SIZE = 96

augment = keras.Sequential([
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
    layers.RandomZoom(0.2, width_factor=(-0.1, 0.1)),
    layers.RandomTranslation(height_factor=0.1, width_factor=0.1, fill_mode="nearest"),
    layers.RandomContrast(0.2),
], name="augmentation")

inputs = keras.Input(shape=(128, 128, 3))
x = layers.Resizing(IMG_SIZE + 8, IMG_SIZE + 8)(inputs)
x = layers.RandomCrop(IMG_SIZE, IMG_SIZE)(x)
x = augment(x)
x = layers.CenterCrop(64, 64)(x)
x = layers.Rescaling(1.0 / 127.5, offset=-1)(x)
x = layers.Conv2D(8, 3, strides=2, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(3, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
