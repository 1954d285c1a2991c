#pragma once

// Deletes records from the log through the cluster's admin API
// (DeleteRecords): `DELETE datasources/{id}/records` uses it. The Kafka
// implementation is control::KafkaRecordsAdmin (src/control); tests use a
// fake.
//
// Threading: called from HTTP worker threads; implementations synchronise.

#include <cstdint>
#include <string>
#include <vector>

namespace kafkaml::operations {

//! Every record of `topic`'s `partition` before offset `before` is to go.
struct RecordsCut {
	std::string topic;
	int32_t partition = 0;
	int64_t before = 0;
};

//! The cluster's answer for one partition.
struct RecordsCutResult {
	RecordsCut cut;
	//! The cluster's error name (e.g. "POLICY_VIOLATION") and its text; empty
	//! when the records were deleted.
	std::string error;
	std::string message;
	int64_t low_watermark = -1; //!< the partition's log start offset after it
};

class RecordsAdmin {
public:
	virtual ~RecordsAdmin() = default;
	//! Asks the cluster to delete the records before each cut; answers per
	//! partition. Throws std::runtime_error with a user-facing message when
	//! the request as a whole failed (cluster unreachable, DeleteRecords not
	//! supported, no leader).
	virtual std::vector<RecordsCutResult> delete_records(const std::vector<RecordsCut> &cuts) = 0;
};

} // namespace kafkaml::operations
