import tensorflow as tf

model = tf.keras.applications.ResNet50(weights=None, include_top=True)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_top_k_categorical_accuracy"])
