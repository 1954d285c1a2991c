// `kafkaml server`: the REST API and web UI over a metadata store. Prints the
// API URL first on stdout (for scripts), then where the admin token is kept;
// stops cleanly on SIGTERM/SIGINT (in-flight requests finish, the store
// closes).
//
// The jobs' orchestrator and the Kafka control publisher are wired in here
// once their modules are present; until then the server records everything
// and starts no process.

#include "cli/command_registry.h"
#include "common/signals.h"
#include "control/api_server.h"
#include "store/store.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sys/stat.h>

namespace kafkaml::cli {
namespace {

struct ServerOptions {
	std::string listen = "127.0.0.1:8080";
	std::string store_url;
	std::string bootstrap_servers = "127.0.0.1:9092";
	std::string web_root;
	std::string data_dir = "./kafkaml-data";
};

std::pair<std::string, int> split_listen(const std::string &listen) {
	auto colon = listen.rfind(':');
	if (colon == std::string::npos) {
		throw std::runtime_error("--listen " + listen + " has no port; use HOST:PORT, e.g. 127.0.0.1:8080");
	}
	try {
		size_t used = 0;
		int port = std::stoi(listen.substr(colon + 1), &used);
		if (used != listen.size() - colon - 1 || port < 0 || port > 65535) {
			throw std::out_of_range("port");
		}
		return {listen.substr(0, colon), port};
	} catch (const std::logic_error &) {
		throw std::runtime_error("--listen " + listen + ": the port must be a number from 0 to 65535");
	}
}

// The token file is readable by its owner only: it grants every mutating call.
void write_token_file(const std::filesystem::path &file, const std::string &token) {
	std::filesystem::create_directories(file.parent_path());
	{
		std::ofstream out(file, std::ios::trunc);
		out << token << "\n";
		if (!out) {
			throw std::runtime_error("cannot write the admin token to " + file.string() +
			                         "; pass a writable --data-dir");
		}
	}
	::chmod(file.c_str(), 0600);
}

// Model code is checked by the model parser once it is linked in; until then
// every text is accepted and checked when the training job parses it.
void accept_any_model(std::string_view) {}

void run_server(const ServerOptions &options) {
	ShutdownSignal::install();
	auto [host, port] = split_listen(options.listen);
	std::filesystem::path data_dir(options.data_dir);
	std::string url = options.store_url.empty() ? "sqlite:" + (data_dir / "kafkaml.db").string() : options.store_url;
	auto store = store::open_store(url);
	std::string token = control::ensure_admin_token(*store);
	auto token_file = data_dir / "admin-token";
	write_token_file(token_file, token);

	control::NoopOrchestrator orchestrator;
	control::ApiOptions api;
	api.store = store.get();
	api.orchestrator = &orchestrator;
	api.validate_model = accept_any_model;
	api.admin_token = token;
	api.web_root = options.web_root;
	control::ApiServer server(api);
	server.start(host, port);

	std::string shown_host = host == "0.0.0.0" || host.empty() ? "127.0.0.1" : host;
	std::printf("http://%s:%d/api/v1\n", shown_host.c_str(), server.port());
	std::fflush(stdout);
	spdlog::info("server: REST API at http://{}:{}/api/v1, store {}, admin token in {}", shown_host, server.port(),
	             url.starts_with("sqlite:") ? url : std::string("postgresql"), token_file.string());
	spdlog::info("server: Kafka at {} (control publisher and job orchestrator not linked in this build)",
	             options.bootstrap_servers);
	while (!ShutdownSignal::wait_for(std::chrono::seconds(1))) {
	}
	spdlog::info("server: stopping");
	server.stop();
}

void add_server_command(CLI::App &root) {
	auto options = std::make_shared<ServerOptions>();
	auto *command = root.add_subcommand("server", "Run the REST API and web UI over a metadata store");
	command->add_option("--listen", options->listen, "HOST:PORT of the REST API (port 0: any free port)")
	    ->capture_default_str();
	command->add_option("--store", options->store_url,
	                    "sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DB (default: sqlite:DATA_DIR/kafkaml.db)");
	command->add_option("--bootstrap-servers", options->bootstrap_servers, "Kafka bootstrap servers")
	    ->capture_default_str();
	command->add_option("--web-root", options->web_root, "directory of the built web UI served at /");
	command->add_option("--data-dir", options->data_dir, "where the default database and the admin token live")
	    ->capture_default_str();
	command->callback([options] { run_server(*options); });
}

KAFKAML_REGISTER_COMMAND(20, add_server_command);

} // namespace
} // namespace kafkaml::cli
