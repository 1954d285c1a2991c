import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu", input_shape=(8,)),
                             tf.keras.layers.Dense(5)])
model.compile(
    optimizer="adam",
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="acc"),
             tf.keras.metrics.SparseTopKCategoricalAccuracy(k=3),
             tf.keras.metrics.SparseCategoricalCrossentropy(from_logits=True),
             "sparse_categorical_accuracy", "accuracy"],
)
