#include "operations/configuration_operations.h"

#include "operations/operation_errors.h"

#include <algorithm>

namespace kafkaml::operations {
namespace {

// A configuration trains each of its models once, in parallel on the same
// stream: the same model twice would train twice for nothing.
void check_models(const std::vector<int64_t> &ids) {
	if (ids.empty()) {
		throw InvalidField("ml_models", "field \"ml_models\" is empty; list the ids of the models to train together");
	}
	for (size_t i = 0; i < ids.size(); i++) {
		if (std::find(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i), ids[i]) !=
		    ids.begin() + static_cast<std::ptrdiff_t>(i)) {
			throw InvalidField("ml_models", "field \"ml_models\" names model " + std::to_string(ids[i]) +
			                                    " twice; a model appears once in a configuration (create a copy of "
			                                    "the model to train it twice)");
		}
	}
}

store::Configuration changed(store::Configuration configuration, const ConfigurationChanges &changes) {
	configuration.name = changes.name.value_or(configuration.name);
	configuration.description = changes.description.value_or(configuration.description);
	if (changes.ml_models) {
		check_models(*changes.ml_models);
		configuration.ml_models = *changes.ml_models;
	}
	return configuration;
}

} // namespace

store::Configuration create_configuration(store::Store &store, const ConfigurationChanges &configuration) {
	auto created = changed(store::Configuration{}, configuration);
	if (!configuration.ml_models) {
		check_models(created.ml_models);
	}
	return store.create_configuration(created);
}

store::Configuration update_configuration(store::Store &store, int64_t id, const ConfigurationChanges &changes) {
	return store.update_configuration(changed(store.get_configuration(id), changes));
}

} // namespace kafkaml::operations
