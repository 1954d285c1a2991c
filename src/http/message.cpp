#include "http/message.h"

#include <strings.h>

namespace kafkaml::http {
namespace {

bool same_name(std::string_view a, std::string_view b) {
	return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int hex_value(char c) {
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

} // namespace

void Headers::set(std::string_view name, std::string value) {
	std::erase_if(fields_, [&](const auto &field) { return same_name(field.first, name); });
	fields_.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
	for (const auto &[field, value] : fields_) {
		if (same_name(field, name)) {
			return std::string_view(value);
		}
	}
	return std::nullopt;
}

std::optional<std::string_view> Request::param(std::string_view name) const {
	for (const auto &[key, value] : query) {
		if (key == name) {
			return std::string_view(value);
		}
	}
	return std::nullopt;
}

Response Response::text(int status, std::string body, std::string content_type) {
	Response response;
	response.status = status;
	response.body = std::move(body);
	response.content_type = std::move(content_type);
	return response;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
	std::string out;
	out.reserve(text.size());
	for (size_t i = 0; i < text.size(); i++) {
		char c = text[i];
		if (c == '%' && i + 2 < text.size()) {
			int high = hex_value(text[i + 1]);
			int low = hex_value(text[i + 2]);
			if (high >= 0 && low >= 0) {
				out += static_cast<char>(high * 16 + low);
				i += 2;
				continue;
			}
		}
		out += plus_is_space && c == '+' ? ' ' : c;
	}
	return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
	std::vector<std::pair<std::string, std::string>> out;
	while (!query.empty()) {
		auto amp = query.find('&');
		auto part = query.substr(0, amp);
		query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
		if (part.empty()) {
			continue;
		}
		auto eq = part.find('=');
		if (eq == std::string_view::npos) {
			out.emplace_back(percent_decode(part, true), "");
		} else {
			out.emplace_back(percent_decode(part.substr(0, eq), true), percent_decode(part.substr(eq + 1), true));
		}
	}
	return out;
}

std::string_view reason_phrase(int status) {
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "";
	}
}

} // namespace kafkaml::http
