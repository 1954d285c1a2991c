x = "\u00e9\x41\n" """doc
string"""
model = Sequential([Dense(1, input_shape=(1,), name="é")])
