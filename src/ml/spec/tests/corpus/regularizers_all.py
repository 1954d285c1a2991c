import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import regularizers

model = keras.Sequential([
    keras.layers.Dense(64, activation="relu", input_shape=(20,),
                       kernel_regularizer=regularizers.l2(1e-4),
                       bias_regularizer=regularizers.l1(1e-5),
                       activity_regularizer=regularizers.l1_l2(l1=1e-5, l2=1e-4)),
    keras.layers.Dense(32, activation="relu", kernel_regularizer="l2"),
    keras.layers.Dense(16, activation="relu", kernel_regularizer=tf.keras.regularizers.L2(0.001)),
    keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0.01),
                       bias_regularizer=regularizers.L1(0.001)),
])
model.compile(optimizer="adam", loss="mse")
