from tensorflow.keras.applications.vgg19 import VGG19

model = VGG19(include_top=True, weights=None, classes=1000)
