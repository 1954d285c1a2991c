import tensorflow as tf

model = tf.keras.Sequential()
model.add(tf.keras.layers.ZeroPadding2D(padding=((1, 2), (3, 4)), input_shape=(30, 30, 3)))
model.add(tf.keras.layers.Conv2D(4, 3, padding="Valid"))
model.add(tf.keras.layers.Cropping2D(cropping=((1, 1), (2, 2))))
model.add(tf.keras.layers.UpSampling2D())
model.add(tf.keras.layers.MaxPooling2D(pool_size=4, padding="VALID"))
model.add(tf.keras.layers.Flatten())
model.add(tf.keras.layers.Dense(3, activation="softmax"))
model.compile(optimizer="adam", loss="categorical_crossentropy")
