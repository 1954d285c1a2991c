from tensorflow import keras
from tensorflow.keras import layers


class ResidualDense(layers.Layer):
    """Two dense layers and a skip connection."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(units, activation="relu")
        self.second = layers.Dense(units)
        self.join = layers.Add()

    def call(self, x):
        y = self.first(x)
        y = self.second(y)
        return self.join([x, y])


inputs = keras.Input(shape=(32,))
x = layers.Dense(32)(inputs)
x = ResidualDense(32)(x)
x = ResidualDense(32, name="second_block")(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="mse")
