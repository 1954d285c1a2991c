import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(5,))])
decay = tf.keras.optimizers.schedules.CosineDecay(0.001, decay_steps=1000, alpha=0.1)
optimizer = tf.keras.optimizers.Adamax(learning_rate=decay, beta_1=0.85)
model.compile(optimizer=optimizer, loss="mse")
