import tensorflow as tf
from tensorflow.keras import layers

inputs = tf.keras.Input(shape=(20,))
x = layers.Dense(64, activation="relu")(inputs)
outputs = {
    "flag": layers.Dense(1, activation="sigmoid", name="flag")(x),
    "smooth": layers.Dense(3, activation="softmax", name="smooth")(x),
    "margin": layers.Dense(1, activation="tanh", name="margin")(x),
    "margin2": layers.Dense(1, name="margin2")(x),
    "ranking": layers.Dense(3, name="ranking")(x),
    "distribution": layers.Dense(3, activation="softmax", name="distribution")(x),
    "direction": layers.Dense(4, name="direction")(x),
    "label": layers.Dense(5, activation="softmax", name="label")(x),
}
model = tf.keras.Model(inputs, outputs)
model.compile(
    optimizer="adam",
    loss={
        "flag": tf.keras.losses.BinaryFocalCrossentropy(gamma=2.0, apply_class_balancing=True),
        "smooth": tf.keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        "margin": tf.keras.losses.Hinge(),
        "margin2": tf.keras.losses.SquaredHinge(),
        "ranking": tf.keras.losses.CategoricalHinge(),
        "distribution": tf.keras.losses.KLDivergence(),
        "direction": tf.keras.losses.CosineSimilarity(axis=-1),
        "label": tf.keras.losses.SparseCategoricalCrossentropy(),
    },
    metrics={"flag": [tf.keras.metrics.AUC()], "margin": [tf.keras.metrics.Hinge()],
             "margin2": [tf.keras.metrics.SquaredHinge()], "distribution": [tf.keras.metrics.KLDivergence()],
             "direction": [tf.keras.metrics.CosineSimilarity(axis=-1)], "label": ["accuracy"]},
)
