import tensorflow as tf
from tensorflow.keras import layers
model = tf.keras.models.Sequential(name="cnn")
model.add(tf.keras.Input(shape=(28, 28, 1)))
model.add(layers.Conv2D(32, (3, 3), activation=tf.nn.relu, padding='same', strides=(1, 1)))
model.add(layers.MaxPool2D((2, 2)))
model.add(layers.BatchNormalization(momentum=.9, epsilon=1e-5))
model.add(layers.AveragePooling2D(pool_size=2, strides=None))
model.add(layers.GlobalAveragePooling2D())
model.add(layers.Reshape((-1, 4)))
model.add(layers.Flatten())
model.add(layers.Dense(10, activation="softmax", kernel_initializer=tf.keras.initializers.HeNormal(seed=1)))
opt = tf.keras.optimizers.SGD(learning_rate=1e-2, momentum=0.9, nesterov=True)
model.compile(optimizer=opt, loss=tf.keras.losses.CategoricalCrossentropy(from_logits=False), metrics=['acc', tf.keras.metrics.AUC()])
