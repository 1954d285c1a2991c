import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(4,))])
schedule = tf.keras.optimizers.schedules.ExponentialDecay(initial_learning_rate=1e-2, decay_steps=10000,
                                                          decay_rate=0.9)
optimizer = tf.keras.optimizers.Adam(learning_rate=schedule, amsgrad=True, global_clipnorm=1.0)
model.compile(optimizer=optimizer, loss="mse")
