"""One Python client over a secured listener: produce, then consume in a
consumer group (the group coordinator path). With --expect-failure the
client must be refused and the script prints the errors it saw.
Usage: script CLIENT BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD CAFILE TOPIC [--expect-failure]
CLIENT is kafka-python or confluent."""
import logging
import sys
import time

client, bootstrap, protocol, mechanism, user, password, cafile, topic = sys.argv[1:9]
expect_failure = "--expect-failure" in sys.argv[9:]
logging.basicConfig(stream=sys.stdout, level=logging.ERROR)
values = [f"{client}-{i}".encode() for i in range(50)]


def kafka_python():
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.errors import KafkaError

    kw = {"bootstrap_servers": bootstrap, "security_protocol": protocol, "api_version_auto_timeout_ms": 5000}
    if "SSL" in protocol:
        kw["ssl_cafile"] = cafile
        kw["ssl_check_hostname"] = True
    if "SASL" in protocol:
        kw.update(sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=password)
    try:
        producer = KafkaProducer(acks="all", **kw)
    except KafkaError as e:
        if expect_failure:
            print(f"refused: {e!r}")
            return
        raise
    if expect_failure:
        sys.exit("the client was not refused")
    for v in values:
        producer.send(topic, v)
    producer.flush(20)
    producer.close()
    consumer = KafkaConsumer(topic, group_id=f"{client}-group", auto_offset_reset="earliest",
                             consumer_timeout_ms=8000, **kw)
    got = [m.value for m in consumer]
    consumer.commit()
    consumer.close()
    if got != values:
        sys.exit(f"consumed {len(got)} records, expected {len(values)}: {got[:3]}")


def confluent():
    from confluent_kafka import Consumer, KafkaException, Producer

    conf = {"bootstrap.servers": bootstrap, "security.protocol": protocol}
    if "SSL" in protocol:
        conf["ssl.ca.location"] = cafile
    if "SASL" in protocol:
        conf.update({"sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password})
    errors = []
    producer = Producer({**conf, "acks": "all", "error_cb": lambda e: errors.append(str(e))})
    if expect_failure:
        try:
            producer.list_topics(timeout=5)
        except KafkaException as e:
            errors.append(str(e))
        if not errors:
            sys.exit("the client was not refused")
        print("refused: " + " | ".join(errors))
        return
    for v in values:
        producer.produce(topic, v)
    if producer.flush(20) != 0:
        sys.exit(f"undelivered records; errors: {errors}")
    consumer = Consumer({**conf, "group.id": f"{client}-group", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got = []
    deadline = time.time() + 30
    while len(got) < len(values) and time.time() < deadline:
        m = consumer.poll(1)
        if m is not None and not m.error():
            got.append(m.value())
    consumer.commit(asynchronous=False)
    consumer.close()
    if got != values:
        sys.exit(f"consumed {len(got)} records, expected {len(values)}; errors: {errors}")


{"kafka-python": kafka_python, "confluent": confluent}[client]()
print("ok")
