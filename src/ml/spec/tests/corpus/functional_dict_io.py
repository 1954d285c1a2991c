from tensorflow import keras
from tensorflow.keras import layers

inputs = {
    "title": keras.Input(shape=(20,), name="title"),
    "body": keras.Input(shape=(40,), name="body"),
}
title_features = layers.Dense(8, activation="relu")(inputs["title"])
body_features = layers.Dense(8, activation="relu")(inputs["body"])
x = layers.concatenate([title_features, body_features])

outputs = {
    "priority": layers.Dense(1, name="priority")(x),
    "department": layers.Dense(4, activation="softmax", name="department")(x),
}
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
          "department": keras.losses.CategoricalCrossentropy(from_logits=False)},
    loss_weights=[1.0, 0.2],
)
