#include "ml/spec/keras_names.h"

#include <cctype>

namespace kafkaml::ml::spec {

std::optional<std::string> strip_module(std::string_view dotted, std::string_view submodule,
                                        std::initializer_list<std::string_view> extra) {
	std::vector<std::string> prefixes = {"", std::string(submodule) + ".", "keras." + std::string(submodule) + ".",
	                                     "tf.keras." + std::string(submodule) + ".",
	                                     "tensorflow.keras." + std::string(submodule) + "."};
	for (auto prefix : extra) {
		prefixes.emplace_back(std::string(prefix) + ".");
	}
	for (const auto &prefix : prefixes) {
		if (dotted.size() > prefix.size() && dotted.substr(0, prefix.size()) == prefix) {
			std::string_view rest = dotted.substr(prefix.size());
			if (rest.find('.') == std::string_view::npos) {
				return std::string(rest);
			}
		}
	}
	return std::nullopt;
}

SourceLocation name_at(const Value &value) {
	return value.name_location.line > 0 ? value.name_location : value.location;
}

std::string join(const std::vector<std::string> &names) {
	std::string out;
	for (const auto &name : names) {
		out += (out.empty() ? "" : ", ") + name;
	}
	return out;
}

std::string snake_case(std::string_view camel) {
	std::string out;
	for (size_t i = 0; i < camel.size(); i++) {
		char c = camel[i];
		if (std::isupper(static_cast<unsigned char>(c))) {
			if (i > 0 && camel[i - 1] != '_') {
				out += '_';
			}
			out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		} else {
			out += c;
		}
	}
	return out;
}

std::string lowercase(std::string_view text) {
	std::string out(text);
	for (auto &c : out) {
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	}
	return out;
}

} // namespace kafkaml::ml::spec
