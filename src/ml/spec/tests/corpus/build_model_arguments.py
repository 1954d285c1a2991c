from tensorflow import keras


def make_classifier(n_features, n_classes=2, hidden=(256, 128, 64), dropout=0.25, activation="relu"):
    net = keras.Sequential(name="classifier")
    net.add(keras.layers.InputLayer(input_shape=(n_features,)))
    for width in hidden:
        net.add(keras.layers.Dense(width, activation=activation))
        if dropout > 0:
            net.add(keras.layers.Dropout(dropout))
    net.add(keras.layers.Dense(n_classes, activation="softmax"))
    return net


model = make_classifier(10, dropout=0.1)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-4), loss="categorical_crossentropy",
              metrics=["categorical_accuracy"])
