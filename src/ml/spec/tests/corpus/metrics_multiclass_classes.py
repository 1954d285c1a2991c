from tensorflow import keras
from tensorflow.keras import metrics

model = keras.Sequential([
    keras.layers.Dense(32, activation="relu", input_shape=(12,)),
    keras.layers.Dense(4, activation="softmax"),
])
model.compile(
    optimizer="adam",
    loss="categorical_crossentropy",
    metrics=[
        metrics.CategoricalAccuracy(),
        metrics.TopKCategoricalAccuracy(k=2, name="top2"),
        metrics.Precision(top_k=2),
        metrics.Recall(class_id=1),
        metrics.F1Score(average="macro"),
        metrics.MeanIoU(num_classes=4),
        metrics.CategoricalCrossentropy(),
        metrics.CategoricalHinge(),
        "kullback_leibler_divergence",
        "top_k_categorical_accuracy",
    ],
)
