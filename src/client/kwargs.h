#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace kafkaml::client {

//! A `--kwargs-fit` / `--kwargs-val` text that is neither JSON nor the
//! original's `key=value, ...` form; the message names the bad part.
class KwargsError : public std::invalid_argument {
public:
	using std::invalid_argument::invalid_argument;
};

//! Turns the original Kafka-ML form `"epochs=1000, steps_per_epoch=22,
//! shuffle=True"` (or a JSON object) into a JSON object, checked before the
//! request is sent: integers, floats, True/False/None, quoted strings; any
//! other bare word is kept as a string. An empty text gives `{}`. Pure.
nlohmann::json parse_kwargs(const std::string &text);

} // namespace kafkaml::client
