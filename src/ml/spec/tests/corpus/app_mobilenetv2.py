from tensorflow import keras

model = keras.applications.MobileNetV2(weights=None)
