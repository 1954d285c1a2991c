import tensorflow as tf


class SmallConvNet(tf.keras.Model):
    def __init__(self, num_classes):
        super(SmallConvNet, self).__init__(name="small_conv_net")
        self.conv = tf.keras.layers.Conv2D(8, 3, activation="relu")
        self.flatten = tf.keras.layers.Flatten()
        self.out = tf.keras.layers.Dense(num_classes, activation="softmax")

    def call(self, x):
        x = self.conv(x)
        x = self.flatten(x)
        return self.out(x)


model = SmallConvNet(4)
model.compile(optimizer="adam", loss="categorical_crossentropy")
