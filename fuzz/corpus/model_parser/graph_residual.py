from tensorflow import keras
from tensorflow.keras import layers
i = keras.Input(shape=(6,), name="i")
j = keras.Input(shape=6)
d = layers.Dense(6)
h = layers.add([d(i), d(j)])
h = layers.Concatenate(axis=-1)([h, i]) * layers.Dense(12)(j)
o1 = layers.Dense(1, name="o1")(tf.nn.relu(h))
o2 = layers.Dot(axes=1, normalize=True)([h, h])
m = keras.Model({"i": i, "j": j}, {"a": o1, "b": o2})
m.compile("adam", {"a": "mse", "b": keras.losses.Huber(1.5)}, loss_weights=[1, 2], metrics={"a": ["mae"]})
