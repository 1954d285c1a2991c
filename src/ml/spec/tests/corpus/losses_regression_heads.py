from tensorflow import keras
from tensorflow.keras import layers, losses, metrics

inputs = keras.Input(shape=(10,))
shared = layers.Dense(32, activation="relu")(inputs)
names = ["percent", "log_ratio", "robust", "smooth", "counts"]
heads = [layers.Dense(1, name=name)(shared) for name in names]
model = keras.Model(inputs=inputs, outputs=heads)
model.compile(
    optimizer="adam",
    loss=["mape", "msle", losses.Huber(delta=2.0), losses.LogCosh(), losses.Poisson()],
    loss_weights=[1.0, 1.0, 0.5, 0.5, 0.1],
    metrics=[[metrics.MeanAbsolutePercentageError()], [metrics.MeanSquaredLogarithmicError()],
             [metrics.RootMeanSquaredError()], [metrics.LogCoshError()], [metrics.Poisson(), "mae"]],
)
