#pragma once

#include "dataset/dataset_error.h"
#include "formats/avro_schema.h"
#include "formats/table.h"

#include <cstddef>
#include <string>
#include <vector>

namespace kafkaml::dataset {

//! Avro names are [A-Za-z_][A-Za-z0-9_]*: CSV headers like "NO3-N (mg/l)"
//! are mapped, other characters to '_', a leading digit behind "f_".
std::string avro_name(const std::string &column);

//! The text of a record schema `name` with one float field per column of
//! `columns`, named by avro_name: what a stream is sent with when the user
//! gives no scheme.
std::string float_record_schema(const std::string &name, const formats::Table &table,
                                const std::vector<size_t> &columns);

//! What the user asked of the columns (the options of `kafkaml send`).
struct ColumnRequest {
	std::string label_column; //!< by name or 0-based index; empty: the default below
	std::vector<std::string> ignore_columns;
	bool inference = false; //!< values only: nothing is the label
	std::string file;       //!< how errors name the dataset
};

//! Which columns are features and which the label. A column is one or the
//! other (or left out by ignore_columns), never both, never dropped silently.
struct Columns {
	std::vector<size_t> features;
	std::vector<size_t> labels; //!< columns of the labels table when one is given, else of the file
};

//! The label: every column of `labels` (a file of its own), else
//! label_column, else the label scheme's fields; else, with a data scheme,
//! the one column it does not name, and without one, the last column
//! (training only: the original's CSVs end with their label). Features: the
//! data scheme's fields, else every other column. Throws DatasetError
//! saying which option settles an ambiguity. Thread: any (pure).
Columns choose_columns(const ColumnRequest &request, const formats::Table &table,
                       const formats::AvroSchema *data_scheme, const formats::AvroSchema *label_scheme,
                       const formats::Table *labels);

} // namespace kafkaml::dataset
