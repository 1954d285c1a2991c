#pragma once

// Datasources: re-sending a recorded stream's control message so that
// another deployment trains on data already in the log. Thread: any (an
// HTTP worker); the store and the publisher synchronise themselves.

#include "operations/control_publisher.h"
#include "operations/records_admin.h"
#include "store/store.h"

#include <cstdint>
#include <vector>

namespace kafkaml::operations {

//! Sends datasource `datasource`'s control message to `deployment` and
//! returns the datasource once the broker took it. NotFound for an unknown
//! datasource; store::InvalidArgument for an unknown deployment;
//! StateConflict (naming the deployment) when every result of the
//! deployment is final, as no job would read the stream; Unavailable
//! without a publisher (no Kafka connection) or when the message could not
//! be sent. StateConflict when the datasource's records were deleted from
//! the log (delete_datasource_records), as nothing would be left to train on.
store::Datasource send_datasource(store::Store &store, ControlPublisher *publisher, int64_t datasource,
                                  int64_t deployment);

//! What delete_datasource_records did.
struct DeletedRecords {
	store::Datasource datasource;             //!< with records_deleted_at set
	std::vector<RecordsCutResult> partitions; //!< one per partition its ranges name
	//! Other datasources whose records lay earlier in the same partitions
	//! and went too (only with include_earlier), marked the same way.
	std::vector<store::Datasource> also_deleted;
};

//! Deletes datasource `datasource`'s records from the log: DeleteRecords
//! before its end offset on every partition its ranges name. As that takes
//! every record before the offset, other datasources with records earlier
//! in those partitions lose theirs too: StateConflict naming them (detail
//! "datasources") unless `include_earlier`. Also StateConflict while a
//! deployment that is not finished uses it or one of those (the store's
//! check), for an online stream (no end offsets), and when the cluster
//! refused a partition (its error named); UpstreamFailed when the cluster
//! failed the request as a whole (e.g. no DeleteRecords support);
//! Unavailable without `admin`. The datasources are then marked
//! (records_deleted_at) and cannot be sent again.
DeletedRecords delete_datasource_records(store::Store &store, RecordsAdmin *admin, int64_t datasource,
                                         bool include_earlier);

} // namespace kafkaml::operations
