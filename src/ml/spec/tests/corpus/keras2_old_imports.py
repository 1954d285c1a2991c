# An older standalone-Keras script: submodule imports and Keras 2.0 arguments.
import numpy as np
from keras.models import Sequential, load_model
from keras.layers.core import Dense, Dropout, Activation
from keras.layers.recurrent import LSTM
from keras.layers.normalization import BatchNormalization
from keras.layers.advanced_activations import LeakyReLU
from keras.optimizers import RMSprop
from keras.preprocessing.sequence import pad_sequences
from keras.utils import np_utils

np.random.seed(1337)
timesteps, features = 10, 3

model = Sequential()
model.add(LSTM(24, input_shape=(timesteps, features)))
model.add(BatchNormalization())
model.add(Dense(12))
model.add(LeakyReLU(alpha=0.05))
model.add(Dropout(0.25))
model.add(Dense(2))
model.add(Activation('softmax'))
model.compile(loss='categorical_crossentropy', optimizer=RMSprop(lr=0.001, rho=0.9, epsilon=None, decay=0.0),
              metrics=['accuracy'])
