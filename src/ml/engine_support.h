#pragma once

// What of a ModelSpec the engine cannot train yet. The front end
// (spec/) reads everything Keras users write; the engine grows behind it.
// Rather than train something else than what the user wrote (ignore a
// regularizer, a schedule, a metric's threshold), every part the engine
// does not implement is listed here, and a model with any is refused:
// at creation by the REST API, by `kafkaml model check`, and by
// Model::build(). As the engine learns a part, it leaves this list.
//
// Thread-safety: pure functions.

#include "ml/spec/model_spec.h"

#include <string>
#include <vector>

namespace kafkaml::ml {

struct EngineGap {
	SourceLocation location; //!< of the layer, optimizer, loss or metric; 0 when none
	std::string what;        //!< e.g. "layer 'resizing' (Resizing): the 'bicubic' interpolation ..."
};

//! Everything in `spec` the engine does not train yet, in definition order.
std::vector<EngineGap> engine_gaps(const ModelSpec &spec);

//! The gaps as one message for users: what is not trained here yet, where,
//! and that the rest of the definition is fine.
std::string describe_gaps(const std::vector<EngineGap> &gaps);

} // namespace kafkaml::ml
