from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu", input_shape=(5,)), keras.layers.Dense(3)])
model.compile(optimizer="adam", loss="mse",
              metrics=["mae", "mse", "mape", "msle", "cosine_similarity", "logcosh", "kld", "poisson",
                       "mean_absolute_percentage_error"])
