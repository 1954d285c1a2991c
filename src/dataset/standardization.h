#pragma once

#include "dataset/dataset_error.h"
#include "formats/table.h"

#include <cstddef>
#include <string>
#include <vector>

namespace kafkaml::dataset {

//! z-scores of the feature columns of a table (population std, as sklearn's
//! StandardScaler). Computed from the table sent for training, saved, and
//! loaded again for the inference inputs, so that both are scaled alike.
//! Missing (NaN) cells count in neither mean nor std, and stay NaN.
//! Thread: plain data.
struct Standardization {
	std::vector<double> mean;  //!< per table column
	std::vector<double> scale; //!< per table column; 1 where the column is constant

	float apply(size_t column, float value) const { return static_cast<float>((value - mean[column]) / scale[column]); }

	//! The statistics of `features` in `table`; DatasetError when a column has no value.
	static Standardization of(const formats::Table &table, const std::vector<size_t> &features);
	//! Writes {"columns": {"age": {"mean": 56.1, "std": 15.2}, ...}} to `path`.
	void save(const std::string &path, const formats::Table &table, const std::vector<size_t> &features) const;
	//! Reads what save() wrote, matching columns by name (case-insensitive);
	//! DatasetError naming the file and what is wrong or missing in it.
	static Standardization load(const std::string &path, const formats::Table &table,
	                            const std::vector<size_t> &features);
};

} // namespace kafkaml::dataset
