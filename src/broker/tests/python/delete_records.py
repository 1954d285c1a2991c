"""DeleteRecords from Python against the broker. Debian's confluent-kafka
(1.7) and kafka-python (2.0.2) have no delete_records call, so the request
goes through kafka-python's protocol layer (its KafkaClient sends any
request that has a schema); confluent-kafka's consumer and kafka-python's
offsets lookup then see the new log start. Usage: script BOOTSTRAP.
Exits non-zero with a message on the first mismatch."""
import sys

from confluent_kafka import Consumer, TopicPartition as CTopicPartition
from kafka import KafkaAdminClient, KafkaClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Int16, Int32, Int64, Schema, String


class DeleteRecordsResponse_v0(Response):
    API_KEY = 21
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("topics", Array(("name", String("utf-8")),
                         ("partitions", Array(("partition", Int32), ("low_watermark", Int64), ("error_code", Int16))))))


class DeleteRecordsRequest_v0(Request):
    API_KEY = 21
    API_VERSION = 0
    RESPONSE_TYPE = DeleteRecordsResponse_v0
    SCHEMA = Schema(
        ("topics", Array(("name", String("utf-8")), ("partitions", Array(("partition", Int32), ("offset", Int64))))),
        ("timeout_ms", Int32))


bootstrap = sys.argv[1]
topic = "py-delete-records"

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
for i in range(50):
    producer.send(topic, value=f"value-{i}".encode(), partition=0)
producer.flush()
producer.close()

client = KafkaClient(bootstrap_servers=bootstrap)
node = client.least_loaded_node()
while not client.ready(node):
    client.poll(timeout_ms=100)


def delete_records(offset, partition=0):
    future = client.send(node, DeleteRecordsRequest_v0([(topic, [(partition, offset)])], 5000))
    client.poll(future=future, timeout_ms=10000)
    if not future.succeeded():
        sys.exit(f"DeleteRecords failed: {future.exception}")
    (_, partitions), = future.value.topics
    (_, low, error), = partitions
    return low, error


low, error = delete_records(999)
if error != 1:
    sys.exit(f"past the high watermark: error {error}, want 1 (OFFSET_OUT_OF_RANGE)")
low, error = delete_records(0, partition=3)
if error != 3:
    sys.exit(f"unknown partition: error {error}, want 3 (UNKNOWN_TOPIC_OR_PARTITION)")
low, error = delete_records(30)
if (low, error) != (30, 0):
    sys.exit(f"DeleteRecords 30 answered low watermark {low}, error {error}")
client.close()

offsets = KafkaConsumer(bootstrap_servers=bootstrap)
tp = TopicPartition(topic, 0)
begin, end = offsets.beginning_offsets([tp])[tp], offsets.end_offsets([tp])[tp]
offsets.close()
if (begin, end) != (30, 50):
    sys.exit(f"kafka-python sees offsets {begin}..{end}, want 30..50")

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "py-dr", "enable.auto.commit": False,
                     "auto.offset.reset": "earliest"})
consumer.assign([CTopicPartition(topic, 0, 0)])  # below the start: reset to it
seen = []
while len(seen) < 20:
    msg = consumer.poll(10)
    if msg is None:
        break
    if msg.error() is None:
        seen.append(msg.offset())
consumer.close()
if seen != list(range(30, 50)):
    sys.exit(f"confluent-kafka consumed offsets {seen}, want 30..49")
admin.delete_topics([topic])
admin.close()
print("ok")
