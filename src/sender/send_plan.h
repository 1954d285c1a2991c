#pragma once

#include "dataset/standardization.h"
#include "formats/avro_schema.h"
#include "formats/table.h"
#include "sender/send_error.h"
#include "sender/send_options.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace kafkaml::sender {

//! What a send puts on the topic, settled before the cluster is asked
//! anything: the rows, which columns are features and which the label, the
//! format and its schemas, the z-scores. Plain data.
struct SendPlan {
	formats::Table table;
	std::optional<formats::Table> labels; //!< --labels: every column of it is the label
	std::vector<size_t> features;         //!< columns of `table`
	std::vector<size_t> label_columns;    //!< columns of label_table(); with --inference, left out of the values
	bool avro = false;
	std::optional<formats::AvroSchema> data_scheme;  //!< as given; derived at send time when absent
	std::optional<formats::AvroSchema> label_scheme; //!< as given; derived at send time when absent
	bool standardize = false;
	dataset::Standardization scaling; //!< with `standardize`

	const formats::Table &label_table() const { return labels ? *labels : table; }
};

//! Reads the dataset, the labels, the schemas and the statistics the options
//! name, and checks the options against each other and against the files
//! (the rates against the row count, a format's options against the format,
//! the columns through dataset/). With --save-standardization, writes the
//! statistics. Throws SendError or dataset::DatasetError (both UserErrors)
//! naming the option or the file to change; nothing has been sent then. Thread: as read_input.
SendPlan plan_send(const SendOptions &options);

} // namespace kafkaml::sender
