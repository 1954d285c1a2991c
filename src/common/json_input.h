#pragma once

// One policy for JSON that comes from outside the process: REST bodies,
// control messages, stream records, the server's answers to jobs, files a
// user hands us. Everything that reads such JSON goes through parse_json(),
// so a limit is decided here once rather than at each entry point.
//
// Why a depth limit although nlohmann's parser is not recursive: what comes
// after parsing is. dump(), copies and comparisons recurse once per level,
// and so does our own code walking a document; 100,000 nested arrays
// overflow the stack in any of them. Text that nests deeper than the limit
// is refused before it is parsed, by a scan that allocates nothing.
//
// Errors never quote the input's bytes: a message built from them may not
// be valid UTF-8, and a JSON answer carrying it could not be serialised.
//
// Thread-safety: pure functions.

#include "common/error.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kafkaml {

struct JsonLimits {
	//! Arrays and objects nested in one another. Every document this
	//! project defines nests fewer than 10 levels; 64 leaves room for what
	//! users put in free-form fields (input_config, metrics) and is far from
	//! what a thread's stack can walk.
	size_t max_depth = 64;
	//! Bytes of text. Callers with a smaller natural size (a control
	//! message) pass their own.
	size_t max_bytes = size_t{16} << 20;
};

//! JSON that could not be read within the limits. `what()` reads
//! "line L, column C: <reason>" and is valid UTF-8 whatever the input was.
class JsonInputError : public UserError {
public:
	JsonInputError(const std::string &reason, size_t byte_, size_t line_, size_t column_);
	std::string reason; //!< the message without the position
	size_t byte;        //!< 0-based offset where reading stopped
	size_t line;        //!< 1-based
	size_t column;      //!< 1-based, in bytes
};

//! Parses `text` as one JSON value. Throws JsonInputError when it is not
//! JSON, nests deeper than `limits.max_depth` or is longer than
//! `limits.max_bytes`.
nlohmann::json parse_json(std::string_view text, const JsonLimits &limits = {});

//! parse_json() for callers that only need to know whether the text is
//! JSON: nullopt instead of an error.
std::optional<nlohmann::json> try_parse_json(std::string_view text, const JsonLimits &limits = {});

//! The byte offset of the bracket that opens level `max_depth + 1`, or
//! std::string_view::npos when the text nests no deeper than `max_depth`.
//! Brackets inside strings do not count. The text need not be valid JSON.
size_t find_excess_depth(std::string_view text, size_t max_depth);

//! Serialises `value`, replacing invalid UTF-8 in its strings by U+FFFD
//! instead of throwing: for answers and logs that carry what came in.
std::string dump_json(const nlohmann::json &value, int indent = -1);

//! `text` made safe to put in a message: invalid UTF-8 and control
//! characters are written as \xNN escapes, and text beyond `max_bytes` is
//! cut with "..." (never inside a character).
std::string printable(std::string_view text, size_t max_bytes = 80);

} // namespace kafkaml
