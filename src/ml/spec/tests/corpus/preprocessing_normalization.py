import tensorflow as tf

# Feature statistics computed offline on the training data.
means = [5.8, 3.1, 3.8, 1.2]
variances = [0.68, 0.19, 3.1, 0.58]
model = tf.keras.Sequential([
    tf.keras.Input(shape=(4,)),
    tf.keras.layers.Normalization(mean=means, variance=variances),
    tf.keras.layers.Dense(8, activation="relu"),
    tf.keras.layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse")
