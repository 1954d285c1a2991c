import tensorflow as tf

units = [128, 64, 32]
model = tf.keras.Sequential()
model.add(tf.keras.layers.Input(shape=(30,)))
for n in units:
    model.add(tf.keras.layers.Dense(n, activation="relu"))
model.add(tf.keras.layers.Dense(1, activation="sigmoid"))
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", tf.keras.metrics.Precision(),
                                                                      tf.keras.metrics.Recall()])
