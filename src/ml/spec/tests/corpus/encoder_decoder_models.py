import keras
from keras import layers

image = keras.Input(shape=(784,))
encoded = layers.Dense(32, activation="relu")(image)
encoder = keras.Model(image, encoded, name="encoder")

latent = keras.Input(shape=(32,))
decoded = layers.Dense(784, activation="sigmoid")(latent)
decoder = keras.Model(latent, decoded, name="decoder")

autoencoder_input = keras.Input(shape=(784,))
autoencoder = keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)), name="autoencoder")
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
