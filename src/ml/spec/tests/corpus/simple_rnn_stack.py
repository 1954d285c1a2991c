import tensorflow as tf

model = tf.keras.Sequential()
model.add(tf.keras.layers.SimpleRNN(32, return_sequences=True, input_shape=(20, 4)))
model.add(tf.keras.layers.SimpleRNN(16, dropout=0.1, recurrent_dropout=0.1))
model.add(tf.keras.layers.Dense(1))
model.compile(optimizer=tf.keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95), loss="mae")
