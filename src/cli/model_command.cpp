// `kafkaml model`: work with model definitions without a cluster.
//   model check FILE|-   validate a definition; print its Keras-style summary
//                        (exit 0) or the error with line:column (exit 1).
// The libtorch engine adds `model fit` beside `check` (see add_model_command).
// Runs on the main thread; reads the file once.

#include "cli/command_registry.h"
#include "ml/spec/diagnostic.h"
#include "ml/spec/parse.h"
#include "ml/spec/summary.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

namespace kafkaml::cli {

namespace {

//! The whole file, or stdin for "-". Throws CLI::RuntimeError(1) after
//! printing why when it cannot be read.
std::string read_definition(const std::string &path) {
	if (path == "-") {
		return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
	}
	std::ifstream file(path, std::ios::binary);
	if (!file) {
		std::fprintf(stderr, "error: cannot read model definition '%s'; check the path\n", path.c_str());
		throw CLI::RuntimeError(1);
	}
	std::ostringstream content;
	content << file.rdbuf();
	return content.str();
}

std::string describe_compile(const ml::CompileSpec &compile) {
	if (!compile.present) {
		return "Compile: none in the definition (Keras JSON carries none)\n";
	}
	char rate[32];
	std::snprintf(rate, sizeof rate, "%g", compile.optimizer.learning_rate);
	std::string out = "Compile: optimizer " + compile.optimizer.name + " (learning_rate " + rate + "), loss " +
	                  compile.loss.name + (compile.loss.from_logits ? " (from_logits)" : "");
	if (!compile.metrics.empty()) {
		out += ", metrics";
		for (size_t i = 0; i < compile.metrics.size(); i++) {
			out += (i ? ", " : " ") + compile.metrics[i];
		}
	}
	return out + "\n";
}

void add_check(CLI::App &model) {
	auto path = std::make_shared<std::string>();
	CLI::App *check = model.add_subcommand(
	    "check", "Validate a model definition (Keras-subset Python, Keras JSON or plain JSON spec) and print its "
	             "summary: each layer's output shape and parameter count");
	check->add_option("file", *path, "the definition file, or - for stdin")->required();
	check->callback([path] {
		std::string text = read_definition(*path);
		std::string source = *path == "-" ? "<stdin>" : *path;
		try {
			ml::ModelSpec spec = ml::parse_model_definition(text);
			std::fputs(ml::format_summary(ml::summarize(spec)).c_str(), stdout);
			std::fputs(describe_compile(spec.compile).c_str(), stdout);
		} catch (const ml::ModelDefinitionError &error) {
			std::fputs(ml::format_diagnostic(source, text, error).c_str(), stderr);
			throw CLI::RuntimeError(1);
		}
	});
}

void add_model_command(CLI::App &root) {
	CLI::App *model = root.add_subcommand("model", "Model definitions: check (and train locally) without Kafka");
	model->require_subcommand(1);
	add_check(*model);
	// `model fit` (the libtorch engine) is added here, next to check.
}

} // namespace

KAFKAML_REGISTER_COMMAND(40, add_model_command);

} // namespace kafkaml::cli
