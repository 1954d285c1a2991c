#pragma once

// What the use cases throw beyond the store's own errors (store::NotFound for
// an unknown id, store::Conflict for a state that forbids the change,
// store::InvalidArgument for a reference that does not exist): each error
// carries what a caller needs to say which part of the request was refused.
// The REST API turns them into its answers in one place (api_http.cpp's
// error_answer). Immutable; any thread.

#include "common/error.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <string>

namespace kafkaml::operations {

//! One field of the request is refused: the user's to fix. `detail` holds
//! what else helps beside the field's name (the limit, a line and column).
class InvalidField : public UserError {
public:
	InvalidField(std::string field_, const std::string &message, nlohmann::json detail_ = nlohmann::json::object())
	    : UserError(message), field(std::move(field_)), detail(std::move(detail_)) {}
	std::string field;
	nlohmann::json detail;
};

//! The request's `resources` field ({"cpu": 1.5, "memory": "512Mi"}, null or
//! absent: none), or InvalidField "resources" saying what is wrong.
inline store::Resources resources_field(const nlohmann::json &value) {
	try {
		return store::resources_from_api(value);
	} catch (const std::invalid_argument &e) {
		throw InvalidField("resources", std::string("field \"resources\" ") + e.what());
	}
}

//! The state of what the request names forbids it (a store::Conflict), with
//! the ids of what stands in the way in `detail` ({"model": 3}).
class StateConflict : public store::Conflict {
public:
	StateConflict(const std::string &message, nlohmann::json detail_)
	    : store::Conflict(message), detail(std::move(detail_)) {}
	nlohmann::json detail;
};

//! A service the operation needs is missing or failed now (no Kafka
//! connection, a message the broker did not take): the same call may work
//! later.
class Unavailable : public RetriableError {
public:
	explicit Unavailable(const std::string &message) : RetriableError(message) {}
};

//! A service the operation relies on refused it or failed in a way a retry
//! would not change by itself (the Kafka cluster answered an error for the
//! request as a whole): the message names the service's error.
class UpstreamFailed : public RetriableError {
public:
	explicit UpstreamFailed(const std::string &message) : RetriableError(message) {}
};

//! This server was built or started without what the request needs (no
//! model engine for PyTorch models): a retry would repeat it.
class NotSupported : public FatalError {
public:
	explicit NotSupported(const std::string &message) : FatalError(message) {}
};

//! The request was recorded but its jobs could not start: `created` is the
//! entity as the store now holds it, its jobs marked failed. Retriable: the
//! same request may work once the executor can start processes again.
template <typename Created>
class NotStarted : public Unavailable {
public:
	NotStarted(const std::string &message, Created created_) : Unavailable(message), created(std::move(created_)) {}
	Created created;
};

} // namespace kafkaml::operations
