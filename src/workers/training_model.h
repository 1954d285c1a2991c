#pragma once

// The model a training job trains, bound to its stream's records: what the
// batch job and the continual job share.
//
// Thread: the job's.

#include "formats/control_message.h"
#include "ml/model.h"
#include "workers/job_coordinator.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kafkaml::workers {

//! "(28, 28)", "(3,)"; None for an unknown dimension.
std::string shape_text(const ml::Shape &shape);

//! Rows [begin, begin + count) of a row-major buffer as an Array of `shape`.
ml::Array rows_of(const std::vector<float> &buffer, size_t width, int64_t begin, int64_t count, ml::Shape row_shape);

//! The shape of one record's features: a RAW stream's data_reshape, else
//! the number of values a record holds.
ml::Shape record_shape(const formats::ControlMessage &stream, size_t width);

//! Gives a model without an input shape the stream's record shape (a
//! TorchScript module always takes it), checks that a record of
//! `feature_width` values is what its inputs take, and returns one record's
//! features as the model takes them (several inputs: one flat row). Throws
//! UserError saying what does not fit.
ml::Shape bind_model_input(ml::ModelSpec &spec, bool torchscript, const formats::ControlMessage &stream,
                           size_t feature_width, int64_t result_id);

//! Builds the model (the fit's seed, else the assignment's). Throws
//! UserError when it cannot be built.
ml::Model build_training_model(const ml::ModelSpec &spec, const TrainingAssignment &assignment,
                               const ml::FitOptions &fit, bool torchscript, const ml::Shape &input_shape);

} // namespace kafkaml::workers
