#include "operations/datasource_operations.h"

#include "operations/operation_errors.h"

#include <algorithm>
#include <string>

namespace kafkaml::operations {

store::Datasource send_datasource(store::Store &store, ControlPublisher *publisher, int64_t datasource,
                                  int64_t deployment) {
	auto source = store.get_datasource(datasource);
	try {
		store.get_deployment(deployment);
	} catch (const store::NotFound &e) {
		throw store::InvalidArgument(std::string(e.what()) + "; deploy a configuration first and send its id");
	}
	// No job of a deployment whose results all ended would read the
	// stream: the control message would go unheard.
	auto results = store.list_results(deployment);
	if (std::all_of(results.begin(), results.end(),
	                [](const store::Result &r) { return store::is_terminal(r.status); })) {
		throw StateConflict("deployment " + std::to_string(deployment) +
		                        "'s results are final (finished, failed or stopped), so no job would train on "
		                        "this stream; deploy the configuration again (POST /api/v1/deployments) and send "
		                        "it to the new deployment",
		                    {{"deployment", deployment}});
	}
	if (!publisher) {
		throw Unavailable("this server has no Kafka connection to send control messages with; start it with "
		                  "--bootstrap-servers HOST:PORT");
	}
	try {
		publisher->publish(deployment, source);
	} catch (const std::exception &e) {
		throw Unavailable(std::string("the control message could not be sent: ") + e.what() +
		                  "; check that Kafka is reachable and try again");
	}
	return source;
}

} // namespace kafkaml::operations
