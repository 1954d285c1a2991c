import tensorflow as tf

features = tf.keras.Input(shape=(64,), name="features")
trunk = tf.keras.layers.Dense(128, activation="relu")(features)
price = tf.keras.layers.Dense(1, name="price")(trunk)
category = tf.keras.layers.Dense(5, activation="softmax", name="category")(trunk)

model = tf.keras.Model(inputs=features, outputs=[price, category])
model.compile(
    optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
    loss={"price": "mse", "category": "sparse_categorical_crossentropy"},
    loss_weights={"price": 0.5, "category": 1.0},
    metrics={"price": ["mae"], "category": ["accuracy"]},
)
