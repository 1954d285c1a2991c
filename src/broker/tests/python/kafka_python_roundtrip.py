"""kafka-python against the broker: create a topic, produce keyed records,
consume them by assignment, delete the topic. Usage: script BOOTSTRAP.
Exits non-zero with a message on the first mismatch."""
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

bootstrap = sys.argv[1]
topic = "kp-roundtrip"

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
assert topic in admin.list_topics(), "created topic is not listed"

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
for i in range(100):
    producer.send(topic, key=bytes([i]), value=f"value-{i}".encode(), partition=i % 2,
                  headers=[("n", str(i).encode())])
producer.flush()
producer.close()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=10000)
parts = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
consumer.assign(parts)
consumer.seek_to_beginning(*parts)
seen = {}
for msg in consumer:
    seen[msg.key[0]] = (msg.value, msg.partition, dict(msg.headers))
    if len(seen) == 100:
        break
consumer.close()
if len(seen) != 100:
    sys.exit(f"consumed {len(seen)} of 100 records")
for i in range(100):
    value, partition, headers = seen[i]
    if value != f"value-{i}".encode() or partition != i % 2 or headers.get("n") != str(i).encode():
        sys.exit(f"record {i} came back as {seen[i]}")

admin.delete_topics([topic])
if topic in admin.list_topics():
    sys.exit("deleted topic is still listed")
admin.close()
print("ok")
