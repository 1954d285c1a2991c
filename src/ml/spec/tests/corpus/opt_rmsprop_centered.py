import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(8,))])
optimizer = tf.keras.optimizers.RMSprop(learning_rate=0.0005, rho=0.95, momentum=0.1, centered=True, clipvalue=0.5)
model.compile(optimizer=optimizer, loss="mse")
