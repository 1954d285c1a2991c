#!/usr/bin/python3
"""Peer of bench/continual_bench.cpp: a continual training's loop as a
Python user would write it with confluent-kafka, numpy and PyTorch, under
/usr/bin/python3.

    continual_peer.py --bootstrap B --control-topic T --deployment N [--window W] [--batch B] [--version-every V]

Prints `ready` once its control consumer has its partition, waits for the
deployment's control message (a range list of RAW records: 3 float32
features, a uint8 label as the key), then reads the ranges in windows of W
records (fewer at their end): each window is decoded (numpy over the whole
window), scored by the model before it learns from it (prequential loss and
accuracy), then trained on for one epoch (shuffled batches, Adam with
Keras' defaults and the HCOPD model's learning rate); every V records the
model is serialized, as a version would be. Prints
`finished=<unix time> records=N ...` with the seconds spent in each part.
"""
import argparse
import io
import json
import sys
import time

import numpy as np
import torch
from confluent_kafka import Consumer, TopicPartition


def say(line):
    print(line, flush=True)


def hcopd_model():
    return torch.nn.Sequential(torch.nn.Dropout(0.2), torch.nn.Linear(3, 4), torch.nn.Sigmoid(),
                               torch.nn.Linear(4, 2), torch.nn.Softmax(dim=-1))


def control_message(args):
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "peer-control-%d" % args.deployment,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([args.control_topic])
    pending = []
    while not consumer.assignment():
        message = consumer.poll(0.1)
        if message is not None and not message.error():
            pending.append(message)
    say("ready")
    while True:
        message = pending.pop(0) if pending else consumer.poll(1.0)
        if message is None or message.error():
            continue
        control = json.loads(message.value())
        deployment = control.get("deployment_id", int.from_bytes(message.key() or b"\0", "big"))
        if deployment == args.deployment:
            consumer.close()
            return control


def windows(args, ranges):
    """Lists of up to `window` messages of `topic:partition:start:end,...`."""
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "peer-data-%d" % args.deployment,
                         "enable.auto.commit": False})
    for part in ranges.split(","):
        topic, partition, start, end = part.rsplit(":", 3)
        start, end = int(start), int(end)
        consumer.assign([TopicPartition(topic, int(partition), start)])
        position, window = start, []
        while position < end:
            for message in consumer.consume(num_messages=min(args.window - len(window), end - position), timeout=0.2):
                if message.error():
                    continue
                window.append(message)
                position = message.offset() + 1
            if len(window) >= args.window or position >= end:
                yield window
                window = []
    consumer.close()


def loss_of(probabilities, y):
    return torch.nn.functional.nll_loss(torch.log(probabilities.clamp(1e-7, 1 - 1e-7)), y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--control-topic", required=True)
    parser.add_argument("--deployment", type=int, required=True)
    parser.add_argument("--window", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--version-every", type=int, default=100000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = hcopd_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, eps=1e-7)
    control = control_message(args)

    records, loss_sum, correct, versions, since_version = 0, 0.0, 0, 0, 0
    seconds = {"kafka": 0.0, "decode": 0.0, "score": 0.0, "fit": 0.0, "version": 0.0}
    clock = time.perf_counter()
    for window in windows(args, control["topic"]):
        now = time.perf_counter()
        seconds["kafka"] += now - clock
        clock = now
        x = torch.from_numpy(np.frombuffer(b"".join(m.value() for m in window), dtype=np.float32).reshape(-1, 3))
        y = torch.from_numpy(np.frombuffer(b"".join(m.key() for m in window), dtype=np.uint8).astype(np.int64))
        now = time.perf_counter()
        seconds["decode"] += now - clock
        clock = now
        model.eval()
        with torch.no_grad():
            probabilities = model(x)
            loss_sum += float(loss_of(probabilities, y)) * len(y)
            correct += int((probabilities.argmax(1) == y).sum())
        now = time.perf_counter()
        seconds["score"] += now - clock
        clock = now
        model.train()
        order = torch.randperm(len(y))
        for begin in range(0, len(y), args.batch):
            index = order[begin:begin + args.batch]
            loss = loss_of(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        now = time.perf_counter()
        seconds["fit"] += now - clock
        clock = now
        records += len(y)
        since_version += len(y)
        if since_version >= args.version_every:
            torch.save(model.state_dict(), io.BytesIO())
            versions += 1
            since_version = 0
            now = time.perf_counter()
            seconds["version"] += now - clock
            clock = now
    say("finished=%.6f records=%d versions=%d prequential_accuracy=%.3f prequential_loss=%.4f %s" %
        (time.time(), records, versions, correct / max(records, 1), loss_sum / max(records, 1),
         " ".join("%s=%.2fs" % item for item in seconds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
