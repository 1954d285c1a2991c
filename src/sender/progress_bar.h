#pragma once

#include <cstdint>

namespace kafkaml::sender {

//! The bar `kafkaml send` draws on stderr while it queues rows
//! ("[#####    ]  17% 12/70"), redrawn when the percentage moves; nothing
//! when stderr is not a terminal (logs, scripts). Thread: one thread.
class ProgressBar {
public:
	ProgressBar();
	void update(int64_t done, int64_t total);

private:
	bool terminal_;
	int last_ = -1;
};

} // namespace kafkaml::sender
