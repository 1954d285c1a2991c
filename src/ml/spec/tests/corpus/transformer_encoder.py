from tensorflow import keras
from tensorflow.keras import layers


def encoder_block(x, heads, key_dim, ff_dim, rate=0.1):
    attention = layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim, dropout=rate)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, attention]))
    ff = layers.Dense(ff_dim, activation="relu")(x)
    ff = layers.Dense(x.shape[-1])(ff)
    ff = layers.Dropout(rate)(ff)
    return layers.LayerNormalization(epsilon=1e-6)(x + ff)


sequence = keras.Input(shape=(20, 32))
x = encoder_block(sequence, heads=4, key_dim=8, ff_dim=64)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(sequence, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
