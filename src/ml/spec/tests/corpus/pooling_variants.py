import tensorflow as tf
from tensorflow.keras import layers

model = tf.keras.Sequential([
    layers.MaxPooling1D(2, input_shape=(64, 3)),
    layers.AveragePooling1D(pool_size=4, strides=2),
    layers.Conv1D(8, 3, activation="relu"),
    layers.Reshape((13, 8, 1)),
    layers.AveragePooling2D((2, 2)),
    layers.GlobalMaxPooling2D(),
    layers.Dense(2, activation="softmax"),
])
model.compile(
    optimizer="adam",
    loss="categorical_crossentropy",
    metrics=[tf.keras.metrics.Accuracy(), tf.keras.metrics.MeanAbsoluteError(), tf.keras.metrics.MeanSquaredError(),
             tf.keras.metrics.R2Score(), tf.keras.metrics.FBetaScore(beta=2.0), "categorical_accuracy", "hinge",
             "squared_hinge", "categorical_hinge", "binary_crossentropy", "categorical_crossentropy"],
)
