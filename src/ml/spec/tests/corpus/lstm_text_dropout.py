import tensorflow as tf
from tensorflow.keras.layers import Embedding, LSTM, Dense
from tensorflow.keras.models import Sequential

max_words = 5000
max_len = 100

model = Sequential()
model.add(Embedding(max_words, 64, input_length=max_len))
model.add(LSTM(32, dropout=0.2, recurrent_dropout=0.2, kernel_regularizer="l2",
               recurrent_regularizer=tf.keras.regularizers.l2(1e-5)))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
