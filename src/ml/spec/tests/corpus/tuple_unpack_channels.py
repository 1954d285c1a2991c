import tensorflow as tf
from tensorflow import keras
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Dropout, Flatten, Conv2D, MaxPooling2D

batch_size = 128
num_classes = 10
img_rows, img_cols = 28, 28
channels_first = False

if channels_first:
    input_shape = (1, img_rows, img_cols)
else:
    input_shape = (img_rows, img_cols, 1)

filters, *more_filters = [32, 64]
hidden = 64
hidden *= 2

model = Sequential()
model.add(Conv2D(filters, kernel_size=(3, 3), activation='relu', input_shape=input_shape))
model.add(Conv2D(more_filters[0], (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(hidden, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation='softmax'))
model.compile(loss=keras.losses.categorical_crossentropy, optimizer=keras.optimizers.Adadelta(), metrics=['accuracy'])
