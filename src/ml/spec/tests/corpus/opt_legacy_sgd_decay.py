import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(3,))])
optimizer = tf.keras.optimizers.legacy.SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
model.compile(optimizer=optimizer, loss="mse")
