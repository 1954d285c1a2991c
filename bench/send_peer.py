#!/usr/bin/python3
"""Peer of `kafkaml send` for bench/send_bench: what a Python data source of
the original Kafka-ML does with a CSV file. Every column but the last is a
float feature; the last is the label. Each row becomes a plain Avro datum
(DatumWriter + BinaryEncoder) for the value and one for the key (label), or
RAW float32 bytes (numpy tobytes) for --format raw, produced with acks=all;
then the control message keyed by the deployment id names the offsets.

--client kafka-python (the original's client) or confluent-kafka
(librdkafka underneath, the fastest Python client). Sends are asynchronous
with one flush at the end: the fastest way each client allows.

Prints the number of records sent; the bench times the whole process.
"""
import argparse
import io
import json

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--deployment", type=int, default=1)
    parser.add_argument("--format", choices=["avro", "raw"], default="avro")
    parser.add_argument("--client", choices=["kafka-python", "confluent-kafka"], default="kafka-python")
    parser.add_argument("csv")
    args = parser.parse_args()

    with open(args.csv) as f:
        header = f.readline().strip().split(",")
    table = np.loadtxt(args.csv, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
    features, labels = table[:, :-1], table[:, -1]

    if args.format == "avro":
        import avro.io
        import avro.schema
        parse = getattr(avro.schema, "parse", None) or avro.schema.Parse
        names = ["f_" + "".join(c if c.isalnum() else "_" for c in h) for h in header]
        data_text = json.dumps({"type": "record", "name": "data", "fields": [{"name": n, "type": "float"} for n in names[:-1]]})
        label_text = json.dumps({"type": "record", "name": "label", "fields": [{"name": names[-1], "type": "float"}]})
        data_writer = avro.io.DatumWriter(parse(data_text))
        label_writer = avro.io.DatumWriter(parse(label_text))

        def encode(writer, record):
            buffer = io.BytesIO()
            writer.write(record, avro.io.BinaryEncoder(buffer))
            return buffer.getvalue()

        def message(i):
            value = encode(data_writer, dict(zip(names[:-1], (float(v) for v in features[i]))))
            key = encode(label_writer, {names[-1]: float(labels[i])})
            return key, value

        input_format, input_config = "AVRO", {"data_scheme": data_text, "label_scheme": label_text}
    else:
        def message(i):
            return labels[i].tobytes(), features[i].tobytes()

        input_format = "RAW"
        input_config = {"data_type": "float32", "label_type": "float32", "data_reshape": str(features.shape[1])}

    offsets = []
    if args.client == "kafka-python":
        from kafka import KafkaProducer
        producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", linger_ms=5)
        futures = [producer.send(args.topic, key=k, value=v, partition=0) for k, v in map(message, range(len(table)))]
        producer.flush()
        offsets = [f.get().offset for f in futures]
        send_control = lambda payload: producer.send("control", key=bytes([args.deployment]), value=payload)
    else:
        from confluent_kafka import Producer
        producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "linger.ms": 5})

        def delivered(err, msg):
            if err is None:
                offsets.append(msg.offset())

        for i in range(len(table)):
            key, value = message(i)
            while True:
                try:
                    producer.produce(args.topic, key=key, value=value, partition=0, on_delivery=delivered)
                    break
                except BufferError:
                    producer.poll(0.01)
            producer.poll(0)
        producer.flush()
        send_control = lambda payload: producer.produce("control", key=bytes([args.deployment]), value=payload)
    if len(offsets) != len(table):
        raise SystemExit(f"only {len(offsets)} of {len(table)} records were acknowledged")
    control = {
        "topic": f"{args.topic}:0:{min(offsets)}:{max(offsets) + 1}",
        "input_format": input_format,
        "input_config": input_config,
        "description": "send_peer",
        "validation_rate": 0.1,
        "total_msg": len(offsets),
    }
    send_control(json.dumps(control).encode())
    producer.flush()
    print(len(offsets))


if __name__ == "__main__":
    main()
