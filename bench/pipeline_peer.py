#!/usr/bin/python3
"""Peer of bench/pipeline_bench.cpp: the original Kafka-ML's training and
inference loops, with python3-avro and PyTorch (the equivalent of the paper's
Keras model) under /usr/bin/python3: training on kafka-python, inference on
confluent-kafka as the original's PyTorch inference does (or kafka-python).

    pipeline_peer.py train --bootstrap B --control-topic T --deployment N --model-out FILE
        Prints `ready` once its control consumer has its partition, then
        waits for the deployment's control message, reads its ranges, decodes
        each record with avro's DatumReader, splits [train | test | validation],
        trains (epochs, steps_per_epoch and batch from the command line,
        validation metrics every epoch as Keras' fit does), evaluates, writes
        the model and prints `finished=<unix time>`.

    pipeline_peer.py infer --bootstrap B --input-topic I --output-topic O --model FILE [--client C]
        Prints `ready` once its consumer group has its partitions, then for
        each message: decode, predict, produce `{"values": [...]}` with the
        input's key and headers (and, on confluent-kafka, flush, as the
        original does); commits every 16 messages. Runs until killed.
"""
import argparse
import io
import itertools
import json
import sys
import time

import avro.io
import avro.schema
import torch
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

parse_schema = getattr(avro.schema, "parse", None) or avro.schema.Parse


def say(line):
    print(line, flush=True)


def hcopd_model():
    return torch.nn.Sequential(torch.nn.Dropout(0.2), torch.nn.Linear(3, 4), torch.nn.Sigmoid(),
                               torch.nn.Linear(4, 2), torch.nn.Softmax(dim=-1))


def decode(reader, data):
    return reader.read(avro.io.BinaryDecoder(io.BytesIO(data)))


def wait_for_assignment(consumer):
    """Polls until the group gives this consumer its partitions; returns the
    records those polls fetched, which are the first to handle."""
    records = []
    while not consumer.assignment():
        for batch in consumer.poll(timeout_ms=100).values():
            records.extend(batch)
    return records


def control_message(args):
    consumer = KafkaConsumer(args.control_topic, bootstrap_servers=args.bootstrap,
                             group_id="peer-train-%d" % args.deployment, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    early = wait_for_assignment(consumer)
    say("ready")
    for message in itertools.chain(early, consumer):
        control = json.loads(message.value)
        deployment = control.get("deployment_id", int.from_bytes(message.key or b"\0", "big"))
        if deployment == args.deployment:
            consumer.close()
            return control


def read_ranges(args, ranges):
    """The records of `topic:partition:start:end,...` (end exclusive)."""
    consumer = KafkaConsumer(bootstrap_servers=args.bootstrap, enable_auto_commit=False)
    records = []
    for part in ranges.split(","):
        topic, partition, start, end = part.rsplit(":", 3)
        tp = TopicPartition(topic, int(partition))
        consumer.assign([tp])
        consumer.seek(tp, int(start))
        position = int(start)
        while position < int(end):
            for message in consumer.poll(timeout_ms=1000).get(tp, []):
                if message.offset < int(end):
                    records.append(message)
                position = message.offset + 1
    consumer.close()
    return records


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        probabilities = model(x)
        loss = torch.nn.functional.nll_loss(torch.log(probabilities.clamp(1e-7, 1 - 1e-7)), y)
        accuracy = (probabilities.argmax(1) == y).float().mean()
    model.train()
    return float(loss), float(accuracy)


def train(args):
    torch.set_num_threads(1)
    control = control_message(args)
    config = control["input_config"]
    data_reader = avro.io.DatumReader(parse_schema(config["data_scheme"]))
    label_reader = avro.io.DatumReader(parse_schema(config["label_scheme"]))
    features, labels = [], []
    for message in read_ranges(args, control["topic"]):
        features.append(list(decode(data_reader, message.value).values()))
        labels.append(int(list(decode(label_reader, message.key).values())[0]))
    total = len(features)
    validation = int(control.get("validation_rate", 0) * total)
    test = int(control.get("test_rate", 0) * total)
    train_end = total - validation - test
    x, y = torch.tensor(features, dtype=torch.float32), torch.tensor(labels, dtype=torch.long)
    x_train, y_train = x[:train_end], y[:train_end]
    x_val, y_val = x[total - validation:], y[total - validation:]

    model = hcopd_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, eps=1e-7)
    model.train()
    rows, cursor, order = train_end, train_end, None
    history = []
    for _ in range(args.epochs):
        for _ in range(args.steps_per_epoch):
            if cursor >= rows:
                order, cursor = torch.randperm(rows), 0
            index = order[cursor:cursor + args.batch]
            cursor += args.batch
            probabilities = model(x_train[index])
            loss = torch.nn.functional.nll_loss(torch.log(probabilities.clamp(1e-7, 1 - 1e-7)), y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        history.append(evaluate(model, x_val, y_val) if validation else (float(loss), 0.0))
    val_loss, val_accuracy = evaluate(model, x_val, y_val) if validation else (0.0, 0.0)
    torch.save(model.state_dict(), args.model_out)
    say("finished=%.6f records=%d val_accuracy=%.3f" % (time.time(), total, val_accuracy))


def infer_confluent(args, model, reader):
    """The original's PyTorch inference loop (model_inference/pytorch): one
    message per poll(1.0), decode, predict, produce and flush, commit
    (asynchronously, confluent-kafka's default) every 16 messages."""
    from confluent_kafka import Consumer, Producer
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": args.group,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([args.input_topic])
    producer = Producer({"bootstrap.servers": args.bootstrap})
    pending = None
    while not consumer.assignment():
        pending = consumer.poll(0.1)
        if pending is not None:
            break
    say("ready")
    count = 0
    while True:
        message, pending = (pending, None) if pending is not None else (consumer.poll(1.0), None)
        if message is None or message.error():
            continue
        row = list(decode(reader, message.value()).values())
        prediction = model(torch.tensor([row], dtype=torch.float32))[0].tolist()
        # Key and headers are passed on so the bench can match each
        # prediction to its input's send time; the original sends neither.
        producer.produce(args.output_topic, json.dumps({"values": prediction}).encode(), key=message.key(),
                         headers=message.headers())
        producer.flush()
        count += 1
        if count >= 16:
            consumer.commit()
            count = 0


def infer_kafka_python(args, model, reader):
    """The same loop on kafka-python (the client of the original's training
    and data sources): produce without a flush per message."""
    consumer = KafkaConsumer(args.input_topic, bootstrap_servers=args.bootstrap, group_id=args.group,
                             enable_auto_commit=False, auto_offset_reset="earliest")
    producer = KafkaProducer(bootstrap_servers=args.bootstrap)
    early = wait_for_assignment(consumer)
    say("ready")
    count = 0
    for message in itertools.chain(early, consumer):
        row = list(decode(reader, message.value).values())
        prediction = model(torch.tensor([row], dtype=torch.float32))[0].tolist()
        producer.send(args.output_topic, json.dumps({"values": prediction}).encode(), key=message.key,
                      headers=message.headers)
        count += 1
        if count % 16 == 0:
            consumer.commit()


def infer(args):
    torch.set_num_threads(1)
    model = hcopd_model()
    model.load_state_dict(torch.load(args.model))
    model.eval()
    reader = avro.io.DatumReader(parse_schema(args.data_scheme_text))
    if args.client == "kafka-python":
        infer_kafka_python(args, model, reader)
    else:
        infer_confluent(args, model, reader)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    t = commands.add_parser("train")
    t.add_argument("--bootstrap", required=True)
    t.add_argument("--control-topic", required=True)
    t.add_argument("--deployment", type=int, required=True)
    t.add_argument("--model-out", required=True)
    t.add_argument("--epochs", type=int, default=1000)
    t.add_argument("--steps-per-epoch", type=int, default=22)
    t.add_argument("--batch", type=int, default=10)
    i = commands.add_parser("infer")
    i.add_argument("--bootstrap", required=True)
    i.add_argument("--input-topic", required=True)
    i.add_argument("--output-topic", required=True)
    i.add_argument("--group", required=True)
    i.add_argument("--model", required=True)
    i.add_argument("--data-scheme", required=True, help="file of the input's Avro schema")
    i.add_argument("--client", choices=["confluent-kafka", "kafka-python"], default="confluent-kafka",
                   help="confluent-kafka is what the original's inference uses")
    args = parser.parse_args()
    if args.command == "train":
        train(args)
    else:
        args.data_scheme_text = open(args.data_scheme).read()
        infer(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
