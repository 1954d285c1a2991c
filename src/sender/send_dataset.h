#pragma once

#include "formats/control_message.h"
#include "sender/cluster.h"
#include "sender/send_error.h"
#include "sender/send_options.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace kafkaml::sender {

//! What a send did, for the line `kafkaml send` ends with. Plain data.
struct SendReport {
	bool inference = false;
	std::string topic;
	std::string control_topic;
	int64_t delivered = 0;           //!< records the cluster acknowledged
	std::string input_format;        //!< "RAW" or "AVRO"
	nlohmann::json input_config;     //!< what an inference's input_config must say
	formats::ControlMessage control; //!< what was sent on the control topic; training only

	//! "sent 50 records (hcopd:0:0:50) and the control message of deployment 3
	//! to control", or for inference input "sent 50 inference records to T
	//! (RAW {...})". Pure.
	std::string summary() const;
};

//! Told `done` of `total` rows queued: after the first, every 256th and the last.
using SendProgress = std::function<void(int64_t done, int64_t total)>;

//! `kafkaml send`: plans the send (plan_send: files read, options checked),
//! finds where it goes (sink_options), then queues every row as a RAW or
//! AVRO record and ends with the control message naming the acknowledged
//! offsets (training) or with every record acknowledged (inference input).
//! With `online`, the online control message goes first and the records
//! after it (the original's online stream).
//! A .npy goes in its own dtype unless z-scored; CSV values as float32; the
//! Avro schemas the user gives none of are derived from the columns.
//! Throws a UserError for what the user can change (SendError,
//! dataset::DatasetError, formats::FormatError), StreamError (retriable)
//! when the cluster fails the stream; no control message is sent then.
//! Thread: the caller's (one thread); `progress` runs on it.
SendReport send_dataset(const SendOptions &options, Cluster &cluster, const SendProgress &progress = {});

} // namespace kafkaml::sender
