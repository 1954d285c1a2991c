#pragma once

// Datasources: re-sending a recorded stream's control message so that
// another deployment trains on data already in the log. Thread: any (an
// HTTP worker); the store and the publisher synchronise themselves.

#include "operations/control_publisher.h"
#include "store/store.h"

#include <cstdint>

namespace kafkaml::operations {

//! Sends datasource `datasource`'s control message to `deployment` and
//! returns the datasource once the broker took it. NotFound for an unknown
//! datasource; store::InvalidArgument for an unknown deployment;
//! StateConflict (naming the deployment) when every result of the
//! deployment is final, as no job would read the stream; Unavailable
//! without a publisher (no Kafka connection) or when the message could not
//! be sent.
store::Datasource send_datasource(store::Store &store, ControlPublisher *publisher, int64_t datasource,
                                  int64_t deployment);

} // namespace kafkaml::operations
