import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(7,))])
schedule = tf.keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=100, decay_rate=0.5, staircase=True)
optimizer = tf.keras.optimizers.Ftrl(learning_rate=schedule, l1_regularization_strength=0.01,
                                     l2_regularization_strength=0.001)
model.compile(optimizer=optimizer, loss="mse")
