from tensorflow.keras.applications import MobileNetV2, VGG16, ResNet50
base = MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False, weights=None, pooling="max")
base.trainable = False
