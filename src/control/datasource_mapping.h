#pragma once

// A datasource is a control message as the store keeps it: the control
// logger turns messages into datasources, stream reuse turns a datasource
// back into a message for another deployment. One mapping serves both.

#include "formats/control_message.h"
#include "store/store.h"

namespace kafkaml::control {

store::Datasource datasource_from(const formats::ControlMessage &message);
//! Throws formats::FormatError when the stored range list is unreadable.
formats::ControlMessage control_message_from(const store::Datasource &datasource, int64_t deployment);

} // namespace kafkaml::control
