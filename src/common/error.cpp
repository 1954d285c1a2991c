#include "common/error.h"

namespace kafkaml {

std::string_view to_string(ErrorKind kind) {
	switch (kind) {
	case ErrorKind::user:
		return "user";
	case ErrorKind::retriable:
		return "retriable";
	case ErrorKind::fatal:
		return "fatal";
	}
	return "fatal";
}

ErrorKind error_kind(const std::exception &error) noexcept {
	if (const auto *ours = dynamic_cast<const Error *>(&error)) {
		return ours->kind();
	}
	return ErrorKind::fatal;
}

} // namespace kafkaml
