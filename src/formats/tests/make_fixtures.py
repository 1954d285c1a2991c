"""Writes Kafka-ML messages exactly as the original Python data sources make
them (numpy tobytes(), struct.pack("f"), bytes([id]), Avro DatumWriter +
BinaryEncoder) into a directory, with a manifest.json of the values each
must decode to. Run with Debian's /usr/bin/python3 (numpy, python3-avro)."""

import io
import json
import os
import struct
import sys

import avro.io
import avro.schema
import numpy as np

out = sys.argv[1]
cases = []


def add(name, fmt, config, value, key, features, labels):
    with open(os.path.join(out, name + ".value"), "wb") as f:
        f.write(value)
    if key is not None:
        with open(os.path.join(out, name + ".key"), "wb") as f:
            f.write(key)
    cases.append({"name": name, "format": fmt, "input_config": config, "has_key": key is not None,
                  "features": [None if x != x else float(x) for x in features],  # NaN -> null (JSON has no NaN)
                  "labels": [float(x) for x in labels]})


# RAW: every dtype of the contract, as numpy writes it.
image = (np.arange(28 * 28) % 251).astype(np.uint8).reshape(28, 28)
add("raw_image", "RAW", {"data_type": "uint8", "label_type": "uint8", "data_reshape": "28 28", "label_reshape": ""},
    image.tobytes(), np.array(7, dtype=np.uint8).tobytes(), image.flatten(), [7])
values = [1.5, -2.0, 3.25, 100.0]
for dtype in ["float16", "float32", "float64", "int64", "int32", "int16", "int8", "uint16", "uint8"]:
    if dtype.startswith("float"):
        array = np.array(values, dtype=dtype)
    else:
        array = np.array([1, 2, 3, 100] if dtype.startswith("uint") else [1, -2, 3, 100], dtype=dtype)
    name = {"float16": "half", "float64": "double"}.get(dtype, dtype)
    add("raw_" + name, "RAW", {"data_type": name, "label_type": "float32", "data_reshape": "2 2",
                               "label_reshape": ""},
        array.tobytes(), struct.pack("f", 0.5), array.astype(np.float64).flatten(), [0.5])
bools = np.array([True, False, True])
add("raw_bool", "RAW", {"data_type": "bool", "label_type": "string", "data_reshape": "3"},
    bools.tobytes(), "42".encode("utf-8"), [1, 0, 1], [42])
# Python scalars the original's sinks accept: int/bool -> 1 byte, float -> struct.pack("f").
add("raw_scalar_label", "RAW", {"data_type": "float", "label_type": "uint8"},
    struct.pack("f", 2.5), bytes([3]), [2.5], [3])
add("raw_unlabeled", "RAW", {"data_type": "float32", "data_reshape": ""},
    np.array([1.0, 2.0], dtype=np.float32).tobytes(), None, [1, 2], [])

# AVRO: the HCOPD example's schemas and a richer one.
data_scheme = {"namespace": "data.ertis.uma.es", "type": "record", "name": "HCOPD",
               "fields": [{"name": "gender", "type": "float"}, {"name": "age", "type": "float"},
                          {"name": "smoking", "type": "float"}]}
label_scheme = {"namespace": "label.ertis.uma.es", "type": "record", "name": "HCOPD",
                "fields": [{"name": "diagnosis", "type": "boolean"}]}


def avro_bytes(schema, datum):
    writer = avro.io.DatumWriter(avro.schema.parse(json.dumps(schema)))
    buffer = io.BytesIO()
    writer.write(datum, avro.io.BinaryEncoder(buffer))
    return buffer.getvalue()


add("avro_hcopd", "AVRO", {"data_scheme": json.dumps(data_scheme), "label_scheme": json.dumps(label_scheme)},
    avro_bytes(data_scheme, {"gender": 1.0, "age": 77.0, "smoking": -0.5}),
    avro_bytes(label_scheme, {"diagnosis": True}), [1, 77, -0.5], [1])
rich = {"type": "record", "name": "Rich", "fields": [
    {"name": "i", "type": "int"}, {"name": "l", "type": "long"}, {"name": "d", "type": "double"},
    {"name": "b", "type": "boolean"},
    {"name": "e", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN", "BLUE"]}},
    {"name": "n", "type": ["null", "float"]}, {"name": "m", "type": ["null", "float"]},
    {"name": "a", "type": {"type": "array", "items": "double"}}]}
add("avro_rich", "AVRO", {"data_scheme": rich, "label_scheme": json.dumps("int")},
    avro_bytes(rich, {"i": -300, "l": 1 << 40, "d": 0.125, "b": False, "e": "BLUE", "n": 2.5, "m": None,
                      "a": [1.0, 2.0, 3.0]}),
    avro_bytes({"type": "int"}, 9),
    [-300, float(1 << 40), 0.125, 0, 2, 2.5, float("nan"), 1, 2, 3], [9])

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(cases, f)
