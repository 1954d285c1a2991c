import tensorflow as tf

model = tf.keras.applications.VGG16(weights=None)
model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy", "top_k_categorical_accuracy"])
