"""confluent-kafka 1.7 consumer group against a Kafka-protocol broker.

Usage: confluent_kafka_group.py BOOTSTRAP
Two members share a 4-partition topic, consume every message and commit; a
third member of the same group then reads the committed offsets; the admin
client lists the group. Exits non-zero with a message on any failure.
"""
import sys
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
topic = "ck-" + uuid.uuid4().hex[:8]
group = "ck-group-" + uuid.uuid4().hex[:8]
partitions = 4
count = 400

admin = AdminClient({"bootstrap.servers": bootstrap})
for f in admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)]).values():
    f.result(30)

producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
for i in range(count):
    producer.produce(topic, value=b"v%d" % i, partition=i % partitions)
producer.flush(30)


def consumer():
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                     "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 300})


members = [consumer(), consumer()]
for m in members:
    m.subscribe([topic])
seen = set()
deadline = time.time() + 60
while time.time() < deadline and (len(seen) < count or not all(m.assignment() for m in members)):
    for m in members:
        msg = m.poll(0.1)
        if msg is None:
            continue
        if msg.error():
            sys.exit("consume error: %s" % msg.error())
        seen.add((msg.partition(), msg.offset()))
        m.commit(message=msg, asynchronous=False)
if len(seen) != count:
    sys.exit("consumed %d of %d messages" % (len(seen), count))
assigned = [{tp.partition for tp in m.assignment()} for m in members]
print("assignments", assigned)
if set().union(*assigned) != set(range(partitions)) or not all(assigned):
    sys.exit("partitions not shared by both members: %s" % assigned)
for m in members:
    m.close()

checker = consumer()
committed = checker.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=30)
for tp in committed:
    if tp.offset != count // partitions:
        sys.exit("partition %d committed %d, expected %d" % (tp.partition, tp.offset, count // partitions))
checker.close()

names = [g.id for g in admin.list_groups(timeout=30)]
if group not in names:
    sys.exit("list_groups misses %s: %s" % (group, names))
print("ok")
