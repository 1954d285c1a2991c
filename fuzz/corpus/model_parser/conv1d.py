model = keras.Sequential([
  layers.Conv1D(16, 5, padding="same", input_shape=(None, 8)), \
  layers.MaxPooling1D(), layers.AveragePooling1D(3, strides=1), layers.GlobalMaxPooling1D(),
  layers.Activation(tf.keras.activations.swish), layers.Dense(3, activation='leaky_relu')])
model.compile(tf.keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.01), 'binary_crossentropy', metrics=['precision', 'recall'])
