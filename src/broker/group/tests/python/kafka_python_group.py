"""kafka-python 2.0 consumer group against a Kafka-protocol broker.

Usage: kafka_python_group.py BOOTSTRAP
Two members share a 4-partition topic, consume every message, commit; a new
member of the same group then finds the committed offsets; the admin client
lists and describes the group. Exits non-zero with a message on any failure.
"""
import sys
import threading
import time
import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

bootstrap = sys.argv[1]
topic = "kp-" + uuid.uuid4().hex[:8]
group = "kp-group-" + uuid.uuid4().hex[:8]
partitions = 4
count = 400

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
for i in range(count):
    producer.send(topic, value=b"v%d" % i, partition=i % partitions)
producer.flush()
producer.close()

seen = set()
lock = threading.Lock()
assignments = {}
errors = []


def member(name):
    try:
        consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                 auto_offset_reset="earliest", enable_auto_commit=False,
                                 session_timeout_ms=6000, heartbeat_interval_ms=300)
        deadline = time.time() + 60
        while time.time() < deadline:
            batch = consumer.poll(timeout_ms=200)
            for records in batch.values():
                with lock:
                    seen.update((r.partition, r.offset) for r in records)
            if batch:
                consumer.commit()
            with lock:
                done = len(seen) >= count
            if done and consumer.assignment():
                break
        assignments[name] = {tp.partition for tp in consumer.assignment()}
        consumer.commit()
        consumer.close()
    except Exception as e:  # reported by the main thread
        errors.append("%s: %r" % (name, e))


threads = [threading.Thread(target=member, args=("m%d" % i,)) for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("member failed: %s" % errors)
if len(seen) != count:
    sys.exit("consumed %d of %d messages" % (len(seen), count))
print("assignments", assignments)
if set().union(*assignments.values()) != set(range(partitions)):
    sys.exit("partitions not all assigned: %s" % assignments)

checker = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
for p in range(partitions):
    committed = checker.committed(TopicPartition(topic, p))
    if committed != count // partitions:
        sys.exit("partition %d committed %r, expected %d" % (p, committed, count // partitions))
checker.close()

groups = [g[0] for g in admin.list_consumer_groups()]
if group not in groups:
    sys.exit("list_consumer_groups misses %s: %s" % (group, groups))
described = admin.describe_consumer_groups([group])
print("described", described)
if described[0].state not in ("Empty", "Stable", "PreparingRebalance"):
    sys.exit("unexpected group state %s" % described[0].state)
admin.close()
print("ok")
