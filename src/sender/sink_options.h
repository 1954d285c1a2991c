#pragma once

#include "sender/cluster.h"
#include "sender/send_error.h"
#include "sender/send_options.h"
#include "stream/data_sink.h"

namespace kafkaml::sender {

//! Where the stream goes: the cluster (with --kafka-config and -X), the topics,
//! what the control message says of the stream, and the partitions to spread
//! the rows over (--partitions; an inference's inputs over every partition
//! of the topic). Checks that the cluster answers before asking it anything
//! else. Throws SendError naming the option to change, or StreamError
//! (retriable) when the cluster does not answer. Thread: as Cluster.
stream::DataSinkOptions sink_options(const SendOptions &options, Cluster &cluster);

} // namespace kafkaml::sender
