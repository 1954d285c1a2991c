import tensorflow as tf

target = tf.keras.Input(shape=(12, 16), name="target")
memory = tf.keras.Input(shape=(30, 24), name="memory")
memory_keys = tf.keras.Input(shape=(30, 10), name="memory_keys")
attend = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=8, value_dim=4, output_shape=20)
context = attend(target, memory, memory_keys)
pooled = tf.keras.layers.GlobalAveragePooling1D()(context)
score = tf.keras.layers.Dense(1)(pooled)
model = tf.keras.Model(inputs=[target, memory, memory_keys], outputs=score)
model.compile(optimizer="adam", loss="mse")
