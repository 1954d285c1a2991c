import tensorflow as tf
from tensorflow.keras import layers, Model, Input

inputs = Input(shape=(32, 32, 3))
x = layers.Conv2D(16, 3, padding="same", use_bias=True)(inputs)
x = layers.BatchNormalization()(x)
x = layers.ReLU()(x)

shortcut = layers.Conv2D(32, 1, strides=2)(x)
shortcut = layers.BatchNormalization()(shortcut)
y = layers.Conv2D(32, 3, strides=2, padding="same")(x)
y = layers.BatchNormalization()(y)
y = layers.Activation("relu")(y)
y = layers.Conv2D(32, 3, padding="same")(y)
y = layers.BatchNormalization()(y)
x = layers.Add()([shortcut, y])
x = layers.Activation("relu")(x)

x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = Model(inputs, outputs, name="tiny_resnet")
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
