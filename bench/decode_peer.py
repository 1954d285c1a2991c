"""Peer for bench/decode_bench.cpp: decodes the same messages the way the
original Kafka-ML does in Python (numpy frombuffer for RAW, python3-avro
DatumReader + BinaryDecoder for AVRO) and prints messages per second.
Usage: /usr/bin/python3 decode_peer.py RAW_FILE AVRO_FILE AVRO_SCHEMA_JSON
Files hold messages as 4-byte little-endian length + bytes."""

import io
import json
import struct
import sys
import time

import avro.io
import avro.schema
import numpy as np


def messages(path):
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        (size,) = struct.unpack_from("<I", data, pos)
        out.append(data[pos + 4:pos + 4 + size])
        pos += 4 + size
    return out


def rate(fn, items, min_seconds=1.0):
    count, start = 0, time.perf_counter()
    while True:
        fn(items)
        count += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return count / elapsed


raw, avro_msgs = messages(sys.argv[1]), messages(sys.argv[2])
reader = avro.io.DatumReader(avro.schema.parse(sys.argv[3]))


def decode_raw(items):
    for m in items:
        np.frombuffer(m, dtype=np.uint8).reshape(28, 28).astype(np.float32)


def decode_avro(items):
    for m in items:
        record = reader.read(avro.io.BinaryDecoder(io.BytesIO(m)))
        [record[k] for k in record]


print(json.dumps({"raw": rate(decode_raw, raw), "avro": rate(decode_avro, avro_msgs[:20000])}))
