model = Sequential([Dense(4, input_shape=(3,)), Conv2D(8, (3, 3)), Reshape((5, 5))])
