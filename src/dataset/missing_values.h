#pragma once

#include "dataset/dataset_error.h"
#include "formats/table.h"

#include <cstddef>
#include <string>
#include <vector>

namespace kafkaml::dataset {

//! Throws DatasetError naming the line (CSV) or row (.npy) and the
//! column of the first cell without a value (empty, or NaN) among the
//! `features` of `table`, unless `nullable[i]` says feature i's field takes
//! null, or among the `label_columns` of `label_table`. A model trains on
//! numbers: a NaN would not fail its training but make its loss and metrics
//! NaN. `file` is how the message names the dataset. Thread: any (pure).
void refuse_missing_values(const formats::Table &table, const std::vector<size_t> &features,
                           const std::vector<bool> &nullable, const formats::Table &label_table,
                           const std::vector<size_t> &label_columns, const std::string &file);

} // namespace kafkaml::dataset
