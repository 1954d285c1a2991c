import tensorflow as tf

sizes = [2 ** k for k in range(6, 3, -1)]
activation_of = {size: ("relu" if size > 16 else "tanh") for size in sizes}
model = tf.keras.Sequential([tf.keras.layers.Dense(size, activation=activation_of[size]) for size in sizes] +
                            [tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=[tf.keras.metrics.RootMeanSquaredError()])
