model = Sequential([
    Embedding(1000, 64, input_length=10),  # tokens
    LSTM(64, return_sequences=True),
    GRU(32, reset_after=False),
    Dense(1, activation=None, use_bias=False)
]); model.compile('rmsprop', loss=keras.losses.Huber(delta=2.0), metrics=['mae', 'rmse'])
