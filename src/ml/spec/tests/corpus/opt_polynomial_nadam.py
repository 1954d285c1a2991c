import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(9,))])
schedule = tf.keras.optimizers.schedules.PolynomialDecay(0.01, 5000, end_learning_rate=0.0001, power=2.0)
optimizer = tf.keras.optimizers.Nadam(schedule)
model.compile(optimizer=optimizer, loss="mse")
