import os, numpy as np, tensorflow as tf
os.environ["X"] = "1"; np.random.seed(1); tf.random.set_seed(2); print(f"{1/3:.3f}")
model = tf.keras.Sequential([tf.keras.layers.Conv1D(4, 3, padding="Causal", dilation_rate=2,
                                                    kernel_regularizer=tf.keras.regularizers.L1L2(0.1, 0.2))])
model.summary()
model.fit(x_train, y_train)
