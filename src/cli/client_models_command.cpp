// `kafkaml models list|get ID|create --name N --file F [--weights H5]
// [--distributed [--father ID]]|
// weights ID H5|delete ID`: model definitions on a Kafka-ML server (REST
// API), with the Keras weights file of a keras.applications base built with
// weights='imagenet'. Main thread.

#include "cli/command_registry.h"
#include "client/cli_support.h"

#include <fstream>
#include <sstream>

namespace kafkaml::cli {

namespace {

using client::Column;
using nlohmann::json;

std::string read_file(const std::string &path) {
	std::ifstream file(path, std::ios::binary);
	if (!file) {
		client::usage_error("cannot read model file '" + path + "'; check the path");
	}
	std::ostringstream content;
	content << file.rdbuf();
	return content.str();
}

void add_models_command(CLI::App &root) {
	CLI::App *models = root.add_subcommand("models", "Models on the server: list, get, create, upload weights, delete");
	models->require_subcommand(1);
	auto conn = client::add_connection_options(*models);

	models->add_subcommand("list", "List the models")->callback([conn] {
		client::run_command([&] {
			client::print_list(
			    *conn, {{"ID", "id"}, {"NAME", "name"}, {"CREATED", "created_at"}, {"DESCRIPTION", "description"}},
			    conn->client().get("/models"));
		});
	});

	auto id = std::make_shared<int64_t>();
	CLI::App *get = models->add_subcommand("get", "Show one model with its code");
	get->add_option("id", *id, "model id")->required();
	get->callback([conn, id] {
		client::run_command([&] {
			json model = conn->client().get("/models/" + std::to_string(*id));
			if (conn->json_output) {
				return client::print_object(*conn, model);
			}
			std::string code = model.value("code", std::string());
			model.erase("code");
			client::print_object(*conn, model);
			std::printf("code:\n%s%s", code.c_str(), code.empty() || code.back() == '\n' ? "" : "\n");
		});
	});

	struct CreateArgs {
		std::string name, file, description, imports, compile, weights;
		bool distributed = false;
		int64_t father = 0; //!< 0: none
	};
	auto args = std::make_shared<CreateArgs>();
	CLI::App *create = models->add_subcommand(
	    "create", "Create a model from a definition file (Keras-style Python, Keras JSON or a JSON spec), or from a "
	              "PyTorch TorchScript file (torch.jit.save) with --compile; the server validates it and names "
	              "line:column on error");
	create->add_option("--name", args->name, "model name")->required();
	create->add_option("--file", args->file, "definition file, or a TorchScript .pt file")->required();
	create->add_option("--compile", args->compile,
	                   "for a TorchScript file: Keras compile() arguments, e.g. \"optimizer='adam', "
	                   "loss='sparse_categorical_crossentropy', metrics=['accuracy']\"");
	create->add_option("--weights", args->weights,
	                   "the Keras weights file (.h5) of a keras.applications base the definition builds with "
	                   "weights='imagenet' or weights='<file>.h5'");
	create->add_option("--description", args->description, "free text");
	create->add_option("--imports", args->imports, "imports line of the original Kafka-ML form (kept as text)");
	create->add_flag("--distributed", args->distributed,
	                 "a sub-model of the original Kafka-ML's distributed models: its first output feeds its upper "
	                 "model, its second is its exit (the top one has only its exit)");
	create->add_option("--father", args->father, "with --distributed: the id of its upper model (none at the top)");
	create->callback([conn, args] {
		if (args->father != 0 && !args->distributed) {
			client::usage_error("--father names the upper model of a distributed sub-model: add --distributed");
		}
		std::string content = read_file(args->file);
		// torch.jit.save writes a zip archive; a definition is text.
		bool torchscript = content.starts_with(std::string("PK\x03\x04", 4));
		if (torchscript && args->compile.empty()) {
			client::usage_error("'" + args->file +
			                    "' is a TorchScript module: give its loss and optimizer with --compile, e.g. "
			                    "--compile \"optimizer='adam', loss='sparse_categorical_crossentropy', "
			                    "metrics=['accuracy']\"");
		}
		if (!torchscript && !args->compile.empty()) {
			client::usage_error("--compile is for TorchScript files; a Keras definition has its own compile()");
		}
		if (torchscript && !args->weights.empty()) {
			client::usage_error("--weights is for Keras definitions; a TorchScript module holds its own weights");
		}
		std::string weights = args->weights.empty() ? std::string() : read_file(args->weights);
		client::run_command([&] {
			json body = {{"name", args->name},
			             {"description", args->description},
			             {"imports", args->imports},
			             {"framework", torchscript ? "pytorch" : "keras"},
			             {"code", torchscript ? args->compile : content}};
			if (args->distributed) {
				body["distributed"] = true;
				body["father"] = args->father != 0 ? json(args->father) : json(nullptr);
			}
			json created = conn->client().post("/models", body);
			if (torchscript || !weights.empty()) {
				auto model_id = created.value("id", json(0)).dump();
				try {
					created = conn->client().put_bytes("/models/" + model_id + (torchscript ? "/module" : "/weights"),
					                                   torchscript ? content : weights);
				} catch (const client::ClientError &) {
					conn->client().del("/models/" + model_id); // no half-made model is left behind
					throw;
				}
			}
			if (conn->json_output) {
				return client::print_object(*conn, created);
			}
			std::printf("created model %s (%s)\n", created.value("id", json(0)).dump().c_str(),
			            created.value("name", std::string()).c_str());
		});
	});

	auto weights_id = std::make_shared<int64_t>();
	auto weights_file = std::make_shared<std::string>();
	CLI::App *weights = models->add_subcommand(
	    "weights", "Upload the Keras weights file (.h5) of a model whose keras.applications base is built with "
	               "weights='imagenet' or weights='<file>.h5' (replaces an earlier upload)");
	weights->add_option("id", *weights_id, "model id")->required();
	weights
	    ->add_option("file", *weights_file, "the weights file, e.g. vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
	    ->required();
	weights->callback([conn, weights_id, weights_file] {
		std::string content = read_file(*weights_file);
		client::run_command([&] {
			json updated = conn->client().put_bytes("/models/" + std::to_string(*weights_id) + "/weights", content);
			if (conn->json_output) {
				return client::print_object(*conn, updated);
			}
			std::printf("uploaded %s bytes of weights to model %s (%s)\n",
			            updated.value("weights_size", json(0)).dump().c_str(),
			            updated.value("id", json(0)).dump().c_str(), updated.value("name", std::string()).c_str());
		});
	});

	client::add_delete_by_id(*models, conn, "model", "/models",
	                         "Delete a model (refused while a configuration uses it)");
}

} // namespace

KAFKAML_REGISTER_COMMAND(40, add_models_command);

} // namespace kafkaml::cli
