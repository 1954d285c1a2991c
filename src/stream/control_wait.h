#pragma once

#include "formats/control_message.h"
#include "stream/kafka_client.h"

#include <chrono>
#include <functional>

namespace kafkaml::stream {

//! Blocks until the control message of `deployment_id` is on `control_topic`
//! and returns it. Reads the control topic from the beginning (all its
//! partitions, no consumer group), so a message sent before the job started
//! counts; if several match, the first in the log wins. Records that are not
//! valid control messages are skipped with a warning. Waits for the topic to
//! exist. Throws StreamError after `timeout`, or when `cancelled()` returns
//! true (checked about every 200 ms).
//! Thread: the calling thread; owns its own consumer.
formats::ControlMessage wait_for_control_message(const KafkaConfig &config, const std::string &control_topic,
                                                 int64_t deployment_id, std::chrono::milliseconds timeout,
                                                 const std::function<bool()> &cancelled = {});

} // namespace kafkaml::stream
