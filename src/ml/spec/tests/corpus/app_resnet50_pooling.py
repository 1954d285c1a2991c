import tensorflow as tf

backbone = tf.keras.applications.resnet50.ResNet50(include_top=False, weights=None, input_shape=(96, 96, 3),
                                                   pooling="avg")
model = tf.keras.Sequential([
    backbone,
    tf.keras.layers.Dense(5, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy")
