#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kafkaml::sender {

//! What the user of `kafkaml send` asked, as given: the command binds its
//! options to these fields, and send_dataset checks them against each other.
//! Plain data.
struct SendOptions {
	std::string bootstrap_servers = "localhost:9092";
	std::string topic;
	int64_t deployment_id = -1; //!< required unless `inference`
	std::string format = "raw"; //!< raw or avro (either case)
	std::string data_scheme;    //!< Avro schema file of the values
	std::string label_scheme;   //!< Avro schema file of the labels
	std::string label_column;
	std::string labels_file; //!< RAW labels from a file of their own
	std::vector<std::string> ignore_columns;
	double validation_rate = 0;
	double test_rate = 0;
	std::string description;
	bool standardize = false;
	std::string standardize_from;
	std::string save_standardization;
	bool inference = false; //!< values only: no labels, no control message
	//! The original's online stream: its control message (the bare topic)
	//! first, then the labelled records, for an incremental or indefinite
	//! deployment.
	bool online = false;
	std::string control_topic = "control";
	std::string partitions;              //!< "0,1,2", "all", or empty for the default
	int64_t timeout_ms = 10000;          //!< for the cluster to answer at the start
	std::string kafka_config;            //!< librdkafka properties file (--kafka-config)
	std::vector<std::string> properties; //!< librdkafka name=value (-X), over kafka_config
	std::string file;                    //!< the dataset; "-" for stdin
};

} // namespace kafkaml::sender
