// Kafka clusters: where inferences may read their input and write their
// predictions (`input_kafka_broker`, `output_kafka_broker`). Shown without
// their settings: those may hold credentials.

#include "api/api_http.h"
#include "api/api_server.h"

namespace kafkaml::api {

void ApiServer::register_cluster_routes() {
	add("GET", "/api/v1/clusters", [this](Call &call) {
		nlohmann::json list = nlohmann::json::array();
		for (const auto &cluster : options_.kafka_clusters) {
			list.push_back(
			    {{"name", cluster.name},
			     {"bootstrap_servers", cluster.bootstrap_servers},
			     {"security_protocol", cluster.security_protocol},
			     {"sasl_mechanism",
			      cluster.sasl_mechanism.empty() ? nlohmann::json(nullptr) : nlohmann::json(cluster.sasl_mechanism)}});
		}
		if (list.empty()) {
			list.push_back({{"name", "default"},
			                {"bootstrap_servers", nullptr},
			                {"security_protocol", nullptr},
			                {"sasl_mechanism", nullptr}});
		}
		call.reply(200, list);
	});
}

} // namespace kafkaml::api
