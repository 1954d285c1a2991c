import tensorflow as tf
from tensorflow import keras


class MLP(keras.Model):
    def __init__(self, hidden=64, classes=3):
        super().__init__()
        self.hidden = keras.layers.Dense(hidden, activation="relu")
        self.dropout = keras.layers.Dropout(0.5)
        self.classifier = keras.layers.Dense(classes)

    def call(self, inputs, training=False):
        x = self.hidden(inputs)
        if training:
            x = self.dropout(x, training=training)
        return self.classifier(x)


model = MLP()
model.build((None, 20))
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
