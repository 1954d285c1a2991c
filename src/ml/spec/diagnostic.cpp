#include "ml/spec/diagnostic.h"

namespace kafkaml::ml {

std::string format_diagnostic(std::string_view source, std::string_view text, const ModelDefinitionError &error) {
	std::string out(source);
	if (error.location.line <= 0) {
		return out + ": " + error.reason + "\n";
	}
	out += ":" + std::to_string(error.location.line) + ":" + std::to_string(error.location.column) + ": " +
	       error.reason + "\n";
	size_t start = 0;
	for (int line = 1; line < error.location.line && start != std::string_view::npos; line++) {
		start = text.find('\n', start);
		start = start == std::string_view::npos ? start : start + 1;
	}
	if (start == std::string_view::npos || start > text.size()) {
		return out;
	}
	size_t end = text.find('\n', start);
	std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
	if (!line.empty() && line.back() == '\r') {
		line.remove_suffix(1);
	}
	out += std::string(line) + "\n";
	// Columns count characters; the caret keeps tabs so it lands under the
	// character on a terminal.
	std::string caret;
	int column = 1;
	for (size_t i = 0; i < line.size() && column < error.location.column; i++) {
		auto byte = static_cast<unsigned char>(line[i]);
		if ((byte & 0xC0) == 0x80) {
			continue;
		}
		caret += line[i] == '\t' ? '\t' : ' ';
		column++;
	}
	return out + caret + "^\n";
}

} // namespace kafkaml::ml
