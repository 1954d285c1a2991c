// fuzz-libs: kafkaml_api kafkaml_ml_spec
// Raw bytes as an HTTP request to the REST API: parsed as the server
// parses them, routed, token-checked and handled against a real (in-memory)
// store, with the real model parser as validator. No input may crash the
// process or be answered as an internal error (500), and every answer of
// the API is a JSON document.
#include "api/api_server.h"
#include "common/json_input.h"
#include "http/beast_request.h"
#include "ml/spec/parse.h"
#include "operations/validation.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace kafkaml;
namespace bhttp = boost::beast::http;

namespace {

class QuietExecutor final : public executors::JobExecutor {
public:
	void start_training(const store::Result &) override {}
	void start_inference(const store::Inference &) override {}
	void scale(int64_t, int64_t) override {}
	void stop(store::JobKind, int64_t) override {}
};

constexpr const char *kToken = "fuzz";

struct Api {
	std::unique_ptr<store::Store> db = store::open_store("sqlite::memory:");
	QuietExecutor executor;
	std::unique_ptr<api::ApiServer> api;

	Api() {
		api::ApiOptions options;
		options.store = db.get();
		options.executor = &executor;
		options.validate_model = [](std::string_view code) {
			try {
				ml::parse_model_definition(code);
			} catch (const ml::ModelDefinitionError &e) {
				throw operations::ValidationError(e.location.line, e.location.column, e.reason);
			}
		};
		options.admin_token = kToken;
		api = std::make_unique<api::ApiServer>(options);
	}
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static std::unique_ptr<Api> api;
	static int uses = 0;
	if (!api || ++uses % 500 == 0) {
		api.reset();
		api = std::make_unique<Api>();
	}
	bhttp::request_parser<bhttp::string_body> parser;
	parser.eager(true);
	parser.header_limit(16 * 1024);
	parser.body_limit(1 << 20);
	boost::beast::error_code ec;
	parser.put(boost::asio::buffer(data, size), ec);
	if (ec || !parser.is_done()) {
		return 0;
	}
	http::Request request;
	http::fill_request(parser.get().base(), request);
	request.body = parser.get().body();
	request.remote_address = "127.0.0.1";
	// The token cannot be guessed by a fuzzer: give it unless the input
	// brings its own Authorization, so that mutating routes are reached.
	if (!request.headers.has("Authorization")) {
		request.headers.add("Authorization", std::string("Bearer ") + kToken);
	}
	auto response = api->api->handle(request);
	// Bad input is the client's fault, never an internal error.
	if (response.status >= 500 && response.status != 501 && response.status != 503) {
		std::fprintf(stderr, "%d for %s %s: %s\n", response.status, request.method.c_str(), request.target.c_str(),
		             response.body.c_str());
		std::abort();
	}
	if (request.path.starts_with("/api/v1/") && request.path != "/api/v1/openapi.json" &&
	    !request.path.ends_with("/model") && response.content_type == "application/json" && !response.body.empty()) {
		if (!try_parse_json(response.body, {64, size_t{1} << 30})) {
			std::abort();
		}
	}
	return 0;
}
