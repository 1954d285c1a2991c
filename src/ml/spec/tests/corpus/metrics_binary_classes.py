import tensorflow as tf

METRICS = [
    tf.keras.metrics.TruePositives(name="tp"),
    tf.keras.metrics.FalsePositives(name="fp"),
    tf.keras.metrics.TrueNegatives(name="tn"),
    tf.keras.metrics.FalseNegatives(name="fn"),
    tf.keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.5),
    tf.keras.metrics.Precision(name="precision", thresholds=[0.3, 0.7]),
    tf.keras.metrics.Recall(name="recall"),
    tf.keras.metrics.AUC(name="auc"),
    tf.keras.metrics.AUC(num_thresholds=100, curve="PR", name="prc"),
    tf.keras.metrics.PrecisionAtRecall(0.8),
    tf.keras.metrics.RecallAtPrecision(precision=0.9),
    tf.keras.metrics.SensitivityAtSpecificity(0.5),
    tf.keras.metrics.SpecificityAtSensitivity(0.5, num_thresholds=50),
    tf.keras.metrics.BinaryCrossentropy(name="bce"),
    "binary_accuracy",
]

model = tf.keras.Sequential([
    tf.keras.layers.Dense(8, activation="relu", input_shape=(6,)),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3), loss=tf.keras.losses.BinaryCrossentropy(),
              metrics=METRICS)
