#!/usr/bin/env python3
"""The original Kafka-ML data-source style: kafka-python and python-avro
produce the HCOPD rows as plain Avro datums, then a control message keyed by
the deployment id (one byte) that names the offsets. Works unchanged against
`kafkaml up`.

    python3 kafka_python_source.py --bootstrap localhost:9092 --deployment 1 hcopd.csv
"""
import argparse
import csv
import io
import json
import statistics

import avro.io
import avro.schema
from kafka import KafkaProducer

parse = getattr(avro.schema, "parse", None) or avro.schema.Parse


def encode(schema, record):
    buffer = io.BytesIO()
    avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(buffer))
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", default="localhost:9092")
    parser.add_argument("--deployment", type=int, required=True)
    parser.add_argument("--topic", default="hcopd")
    parser.add_argument("--control-topic", default="control")
    parser.add_argument("--validation-rate", type=float, default=0.1)
    parser.add_argument("csv")
    args = parser.parse_args()

    data_text = open("data_scheme.avsc").read()
    label_text = open("label_scheme.avsc").read()
    data_schema, label_schema = parse(data_text), parse(label_text)
    rows = list(csv.DictReader(open(args.csv)))
    features = ["gender", "age", "smoking"]
    stats = {f: (statistics.mean(float(r[f]) for r in rows), statistics.pstdev(float(r[f]) for r in rows) or 1.0)
             for f in features}

    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all")
    offsets = []
    for r in rows:
        value = encode(data_schema, {f: (float(r[f]) - stats[f][0]) / stats[f][1] for f in features})
        key = encode(label_schema, {"diagnosis": r["diagnosis"] == "1"})
        offsets.append(producer.send(args.topic, key=key, value=value).get(timeout=30).offset)
    control = {
        "topic": f"{args.topic}:0:{min(offsets)}:{max(offsets) + 1}",
        "input_format": "AVRO",
        "description": "HCOPD from kafka-python",
        "input_config": {"data_scheme": data_text, "label_scheme": label_text},
        "validation_rate": args.validation_rate,
        "total_msg": len(rows),
    }
    producer.send(args.control_topic, key=bytes([args.deployment]), value=json.dumps(control).encode())
    producer.flush()
    print(f"sent {len(rows)} records and the control message for deployment {args.deployment}")


if __name__ == "__main__":
    main()
