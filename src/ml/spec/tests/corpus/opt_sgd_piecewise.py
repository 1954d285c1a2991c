import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(6,))])
boundaries = [1000, 2000]
values = [1e-2, 5e-3, 1e-3]
schedule = tf.keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
optimizer = tf.keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, nesterov=True)
model.compile(optimizer=optimizer, loss="mse")
