from tensorflow import keras
from tensorflow.keras import layers

base_filters = 32
model = keras.Sequential(name="cifar_small")
model.add(keras.Input(shape=(32, 32, 3)))
for i in range(3):
    model.add(layers.Conv2D(base_filters * 2 ** i, (3, 3), padding="same", activation="relu", name=f"conv_{i + 1}"))
    model.add(layers.MaxPooling2D(name=f"pool_{i + 1}"))
model.add(layers.Flatten())
model.add(layers.Dense(10, activation="softmax", name="logits"))
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", "top_k_categorical_accuracy"])
