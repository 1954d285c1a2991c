from tensorflow import keras
from tensorflow.keras import layers

# One encoder, two inputs: the same weights see both sides.
left = keras.Input(shape=(28,), name="left")
right = keras.Input(shape=(28,), name="right")
encoder = layers.Dense(16, activation="relu", name="shared_encoder")

left_code = encoder(left)
right_code = encoder(right)
difference = layers.subtract([left_code, right_code])
same = layers.Dense(1, activation="sigmoid")(difference)

model = keras.Model([left, right], same)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
