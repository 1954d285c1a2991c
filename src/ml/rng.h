#pragma once

// The engine's only source of randomness: weight initialisation, shuffling
// and dropout masks all draw from one Rng seeded from the fit seed, so a run
// is reproducible bit for bit and the fused and general executors see the
// same masks. Our own bit-to-float mapping (not std::*_distribution, whose
// output is implementation-defined) keeps results equal across libraries.
//
// Thread-safety: none; one Rng per model, used on the thread that trains it.

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace kafkaml::ml {

class Rng {
public:
	explicit Rng(uint64_t seed = 0) : engine_(seed) {}

	//! Uniform in [0, 1) with 24 random bits (exact in float).
	float uniform() { return static_cast<float>(engine_() >> 40) * (1.0f / 16777216.0f); }
	float uniform(float low, float high) { return low + (high - low) * uniform(); }
	//! Standard normal (Box-Muller; the second value is dropped for simplicity).
	double normal() {
		double u1 = (static_cast<double>(engine_() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
		double u2 = static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0);
		return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
	}
	//! Uniform integer in [0, n).
	uint64_t below(uint64_t n) { return engine_() % n; }

	//! The generator's position, as the standard's text form of the engine
	//! (the same in every library), so a restored Rng draws on where this
	//! one stands.
	std::string state() const {
		std::ostringstream out;
		out << engine_;
		return out.str();
	}
	//! Throws std::invalid_argument unless `text` is what state() wrote.
	static Rng from_state(const std::string &text) {
		Rng rng;
		std::istringstream in(text);
		in >> rng.engine_;
		if (in.fail()) {
			throw std::invalid_argument("the random generator's state is malformed");
		}
		return rng;
	}

private:
	std::mt19937_64 engine_;
};

} // namespace kafkaml::ml
