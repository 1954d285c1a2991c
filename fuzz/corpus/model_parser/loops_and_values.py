import tensorflow as tf
cfg = dict(widths=[2 ** k for k in range(5, 2, -1)], act="relu")
model = tf.keras.Sequential(name=f"net_{len(cfg['widths'])}")
i = 0
while i < len(cfg["widths"]):
    w = cfg["widths"][i]
    model.add(tf.keras.layers.Dense(w, activation=cfg["act"] if w > 8 else "tanh", name=f"d{i:02d}"))
    i += 1
else:
    model.add(tf.keras.layers.Dense(1))
a, *b = sorted({k: v for k, v in zip("xyz", (3, 1, 2))}.values(), reverse=True)
model.compile(tf.keras.optimizers.Adam(tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)), "mse")
