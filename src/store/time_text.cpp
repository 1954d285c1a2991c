#include "store/time_text.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace kafkaml::store {

std::string now_text() {
	auto now = std::chrono::system_clock::now();
	auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
	std::time_t seconds = std::chrono::system_clock::to_time_t(now);
	std::tm utc{};
	gmtime_r(&seconds, &utc);
	char text[96];
	std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
	              utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, int(millis));
	return text;
}

} // namespace kafkaml::store
