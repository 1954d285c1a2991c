import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(2,))])
optimizer = tf.keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01)
fallback = tf.keras.optimizers.Adagrad(learning_rate=0.01, initial_accumulator_value=0.05)
model.compile(optimizer=optimizer, loss="mse")
