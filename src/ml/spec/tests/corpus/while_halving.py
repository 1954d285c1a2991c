import tensorflow as tf

model = tf.keras.Sequential()
units = 256
first = True
while units > 8:
    if first:
        model.add(tf.keras.layers.Dense(units, activation="relu", input_dim=100))
        first = False
    else:
        model.add(tf.keras.layers.Dense(units, activation="relu"))
    units //= 2
model.add(tf.keras.layers.Dense(1))
model.compile(optimizer="sgd", loss="mean_squared_error")
