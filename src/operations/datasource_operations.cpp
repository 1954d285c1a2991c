#include "operations/datasource_operations.h"

#include "operations/operation_errors.h"

#include "formats/range_list.h"

#include <algorithm>
#include <map>
#include <string>

namespace kafkaml::operations {

store::Datasource send_datasource(store::Store &store, ControlPublisher *publisher, int64_t datasource,
                                  int64_t deployment) {
	auto source = store.get_datasource(datasource);
	if (!source.records_deleted_at.empty()) {
		throw StateConflict("the records of datasource " + std::to_string(datasource) + " were deleted from the log (" +
		                        source.records_deleted_at +
		                        "), so no job could train on it; send its data again (kafkaml send) to record "
		                        "a new datasource",
		                    {{"datasource", datasource}});
	}
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

namespace {

using PartitionKey = std::pair<std::string, int32_t>;

std::string join_ids(const std::vector<int64_t> &ids) {
	std::string out;
	for (auto id : ids) {
		out += (out.empty() ? "" : ", ") + std::to_string(id);
	}
	return out;
}

std::string partition_name(const PartitionKey &key) {
	return key.first + ":" + std::to_string(key.second);
}

//! The datasources other than `self` (records still there) with a record
//! before the cut of a partition in `cuts`.
std::vector<store::Datasource> earlier_datasources(store::Store &store, int64_t self,
                                                   const std::map<PartitionKey, int64_t> &cuts) {
	std::vector<store::Datasource> out;
	for (auto &other : store.list_datasources()) {
		if (other.id == self || !other.records_deleted_at.empty()) {
			continue;
		}
		std::vector<formats::Range> ranges;
		try {
			ranges = formats::parse_range_list(other.topic);
		} catch (const std::exception &) {
			continue; // an online stream: it names no offsets
		}
		bool hit = std::any_of(ranges.begin(), ranges.end(), [&](const formats::Range &r) {
			auto cut = cuts.find({r.topic, r.partition});
			return r.size() > 0 && cut != cuts.end() && r.start < cut->second;
		});
		if (hit) {
			out.push_back(std::move(other));
		}
	}
	return out;
}

} // namespace

DeletedRecords delete_datasource_records(store::Store &store, RecordsAdmin *admin, int64_t datasource,
                                         bool include_earlier) {
	auto source = store.get_datasource(datasource);
	store.check_datasource_unused(datasource);
	std::vector<formats::Range> ranges;
	try {
		ranges = formats::parse_range_list(source.topic);
	} catch (const std::exception &) {
		throw StateConflict("datasource " + std::to_string(datasource) + " is an online stream of topic '" +
		                        source.topic +
		                        "' with no end offsets: there is no range of records to delete; the topic's "
		                        "retention removes them",
		                    {{"datasource", datasource}});
	}
	std::map<PartitionKey, int64_t> cuts;
	for (const auto &r : ranges) {
		auto &before = cuts[{r.topic, r.partition}];
		before = std::max(before, r.end);
	}
	auto earlier = earlier_datasources(store, datasource, cuts);
	std::vector<int64_t> earlier_ids;
	for (const auto &d : earlier) {
		earlier_ids.push_back(d.id);
	}
	if (!earlier.empty() && !include_earlier) {
		throw StateConflict("deleting the records of datasource " + std::to_string(datasource) +
		                        " deletes every record before its end in its partitions, and datasource(s) " +
		                        join_ids(earlier_ids) +
		                        " have records there that would go too; confirm with include_earlier=true "
		                        "(kafkaml datasources delete " +
		                        std::to_string(datasource) + " --records --include-earlier)",
		                    {{"datasources", earlier_ids}});
	}
	for (auto id : earlier_ids) {
		store.check_datasource_unused(id);
	}
	if (!admin) {
		throw Unavailable("this server has no Kafka connection to delete records with; start it with "
		                  "--bootstrap-servers HOST:PORT");
	}
	std::vector<RecordsCut> request;
	for (const auto &[key, before] : cuts) {
		request.push_back({key.first, key.second, before});
	}
	DeletedRecords out;
	try {
		out.partitions = admin->delete_records(request);
	} catch (const std::exception &e) {
		throw UpstreamFailed(std::string("the Kafka cluster did not delete the records of datasource ") +
		                     std::to_string(datasource) + ": " + e.what());
	}
	std::string refused;
	bool some_deleted = false;
	for (const auto &p : out.partitions) {
		if (p.error.empty()) {
			some_deleted = true;
			continue;
		}
		refused += (refused.empty() ? "" : "; ") + partition_name({p.cut.topic, p.cut.partition}) + ": " + p.error +
		           (p.message.empty() ? "" : " (" + p.message + ")");
	}
	std::vector<int64_t> marked{datasource};
	if (include_earlier) {
		marked.insert(marked.end(), earlier_ids.begin(), earlier_ids.end());
	}
	if (!refused.empty()) {
		if (some_deleted) {
			store.mark_datasource_records_deleted(marked);
		}
		throw StateConflict("the Kafka cluster refused to delete records of datasource " + std::to_string(datasource) +
		                        ": " + refused + (some_deleted ? "; the other partitions' records were deleted" : ""),
		                    {{"datasource", datasource}});
	}
	auto updated = store.mark_datasource_records_deleted(marked);
	out.datasource = updated.front();
	out.also_deleted.assign(updated.begin() + 1, updated.end());
	return out;
}

} // namespace kafkaml::operations
