from tensorflow import keras
from tensorflow.keras import layers

vocabulary = 1000
text = keras.Input(shape=(50,), dtype="int32", name="text")
numbers = keras.Input(shape=(10,), name="numbers")

words = layers.Embedding(vocabulary, 16)(text)
words = layers.GlobalAveragePooling1D()(words)
scaled = layers.Dense(16, activation="relu")(numbers)

merged = layers.concatenate([words, scaled])
hidden = layers.Dense(32, activation="relu")(merged)
score = layers.Dense(1, activation="sigmoid", name="score")(hidden)

model = keras.Model(inputs=[text, numbers], outputs=score)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", keras.metrics.AUC(name="auc")])
