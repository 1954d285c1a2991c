// Datasources: the data streams the control logger recorded, those it
// refused, and re-sending a recorded stream to another deployment.

#include "api/api_http.h"
#include "api/api_server.h"
#include "api/entity_json.h"
#include "api/route_support.h"
#include "operations/datasource_operations.h"
#include "operations/operation_errors.h"

namespace kafkaml::api {
namespace {

using nlohmann::json;

} // namespace

void ApiServer::register_datasource_routes() {
	store::Store &db = *options_.store;

	add("GET", "/api/v1/datasources", [&db](Call &call) { call.reply(200, json_list(db.list_datasources())); });
	add("GET", "/api/v1/datasources/refused",
	    [&db](Call &call) { call.reply(200, json_list(db.list_refused_control_messages())); });
	add("GET", "/api/v1/datasources/{id}",
	    [&db](Call &call) { call.reply(200, to_json(db.get_datasource(call.id()))); });
	// Forgets the datasource; its records stay in the log (the cluster's
	// retention removes them). Refused while its deployment may read them.
	add("DELETE", "/api/v1/datasources/{id}", [&db](Call &call) {
		db.delete_datasource(call.id());
		call.no_content();
	});
	// Deletes the datasource's records from the log (DeleteRecords before its
	// end offsets); ?include_earlier=true confirms that earlier datasources'
	// records in the same partitions go too.
	add("DELETE", "/api/v1/datasources/{id}/records", [this, &db](Call &call) {
		std::string flag = call.param("include_earlier");
		if (!flag.empty() && flag != "true" && flag != "false") {
			throw operations::InvalidField("include_earlier",
			                               "query parameter include_earlier must be true or false, not " + flag);
		}
		auto deleted = operations::delete_datasource_records(db, options_.records_admin, call.id(), flag == "true");
		json partitions = json::array();
		for (const auto &p : deleted.partitions) {
			partitions.push_back({{"topic", p.cut.topic},
			                      {"partition", p.cut.partition},
			                      {"before", p.cut.before},
			                      {"log_start_offset", p.low_watermark}});
		}
		json also = json::array();
		for (const auto &d : deleted.also_deleted) {
			also.push_back(d.id);
		}
		call.reply(200,
		           {{"datasource", to_json(deleted.datasource)}, {"partitions", partitions}, {"also_deleted", also}});
	});
	add("POST", "/api/v1/datasources/{id}/send", [this, &db](Call &call) {
		json body = call.body();
		int64_t deployment = integer_field(body, "deployment");
		auto source = operations::send_datasource(db, options_.publisher, call.id(), deployment);
		call.reply(202, {{"datasource", source.id}, {"deployment", deployment}, {"topic", source.topic}});
	});
}

} // namespace kafkaml::api
