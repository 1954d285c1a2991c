"""confluent-kafka against the broker: create a topic, produce, consume by
assignment, delete the topic. Usage: script BOOTSTRAP."""
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
topic = "ck-roundtrip"

admin = AdminClient({"bootstrap.servers": bootstrap})
for f in admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)]).values():
    f.result(timeout=10)
if topic not in admin.list_topics(timeout=10).topics:
    sys.exit("created topic is not listed")

delivered = []
producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
for i in range(300):
    producer.produce(topic, key=str(i), value=f"v{i}", partition=i % 3,
                     on_delivery=lambda err, msg: delivered.append(err))
producer.flush(10)
if len(delivered) != 300 or any(delivered):
    sys.exit(f"delivery reports: {len(delivered)}, errors: {[e for e in delivered if e]}")

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "ck", "enable.auto.commit": False})
consumer.assign([TopicPartition(topic, p, 0) for p in range(3)])
seen = {}
deadline = time.time() + 30
while time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None or msg.error():
        continue
    seen[msg.key().decode()] = (msg.value().decode(), msg.partition())
    if len(seen) == 300:
        break
consumer.close()
for i in range(300):
    if seen.get(str(i)) != (f"v{i}", i % 3):
        sys.exit(f"record {i} came back as {seen.get(str(i))}")

for f in admin.delete_topics([topic]).values():
    f.result(timeout=10)
if topic in admin.list_topics(timeout=10).topics:
    sys.exit("deleted topic is still listed")
print("ok")
