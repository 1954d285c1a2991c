from tensorflow import keras

config = {"units": [64, 32], "activation": "relu", "dropout": [0.1, 0.2], "features": 15}
layer_kwargs = dict(activation=config["activation"], kernel_initializer="he_normal")

model = keras.Sequential(name="configured")
model.add(keras.Input(shape=(config["features"],)))
for index, (units, rate) in enumerate(zip(config["units"], config["dropout"])):
    model.add(keras.layers.Dense(units, name=f"hidden_{index}", **layer_kwargs))
    model.add(keras.layers.Dropout(rate))
model.add(keras.layers.Dense(1, activation="sigmoid", name="output"))
model.compile(optimizer=keras.optimizers.Adam(**{"learning_rate": 0.001}), loss="binary_crossentropy")
