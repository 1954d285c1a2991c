from tensorflow import keras
from tensorflow.keras.layers import Input, Dense, Dot, Add, Multiply, Average, Maximum, Minimum, Subtract, Concatenate

query = Input(shape=(16,))
item = Input(shape=(16,))
q = Dense(8)(query)
i = Dense(8)(item)
score = Dot(axes=1)([q, i])
cosine = Dot(axes=1, normalize=True)([q, i])
mixed = [Add()([q, i]), Multiply()([q, i]), Average()([q, i]), Maximum()([q, i]), Minimum()([q, i]),
         Subtract()([q, i])]
x = Concatenate(axis=1)([score, cosine] + mixed)
click = Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=[query, item], outputs=click)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
