import tensorflow as tf

# Sensor windows of any length: the training stream's records say it.
model = tf.keras.Sequential([
    tf.keras.layers.LSTM(64, input_shape=(None, 8)),
    tf.keras.layers.Dense(1),
])
model.compile(loss="mse", optimizer="adam", metrics=["mae"])
