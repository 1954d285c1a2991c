x = ((((((((((((((((((((1))))))))))))))))))))
model = Sequential([Dense(x)])
