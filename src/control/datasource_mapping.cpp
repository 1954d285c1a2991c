#include "control/datasource_mapping.h"

#include "formats/range_list.h"

namespace kafkaml::control {

store::Datasource datasource_from(const formats::ControlMessage &message) {
	store::Datasource datasource;
	datasource.deployment = message.deployment_id;
	datasource.topic = message.topic_field();
	datasource.input_format = message.input_format;
	datasource.input_config = message.input_config;
	datasource.description = message.description;
	datasource.validation_rate = message.validation_rate;
	datasource.test_rate = message.test_rate;
	datasource.total_msg = message.total_msg;
	return datasource;
}

formats::ControlMessage control_message_from(const store::Datasource &datasource, int64_t deployment) {
	formats::ControlMessage message;
	message.deployment_id = deployment;
	message.set_topic_field(datasource.topic);
	message.input_format = datasource.input_format;
	message.input_config = datasource.input_config;
	message.description = datasource.description;
	message.validation_rate = datasource.validation_rate;
	message.test_rate = datasource.test_rate;
	message.total_msg = datasource.total_msg;
	return message;
}

} // namespace kafkaml::control
