import tensorflow as tf
widths = [2 ** k for k in range(3, 6)]
a, *rest = sorted(widths, reverse=True)
name = f"d{-7 // 2}_{-7 % 3}_{0.1:.2f}_{'x'!r}"
lookup = {k: v for k, v in zip(["x", "y"], (4, 5))}
def make_adder(base):
    def adder(x):
        return base + x
    return adder
n = 0
while n < 10:
    n += 3
else:
    n -= 1
model = tf.keras.Sequential(name="-".join(["a", "b"]).upper())
for units in (a, lookup["y"], make_adder(7)(1), n if n > 3 else 2):
    model.add(tf.keras.layers.Dense(units))
model.add(tf.keras.layers.Dense(1, name=name))
