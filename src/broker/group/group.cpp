#include "broker/group/group.h"

namespace kafkaml::broker::group {

const char *state_name(GroupState state) {
	switch (state) {
	case GroupState::empty:
		return "Empty";
	case GroupState::preparing_rebalance:
		return "PreparingRebalance";
	case GroupState::completing_rebalance:
		return "CompletingRebalance";
	case GroupState::stable:
		return "Stable";
	case GroupState::dead:
		return "Dead";
	}
	return "Dead";
}

const Bytes *Member::metadata_for(const std::string &protocol) const {
	for (auto &p : protocols) {
		if (p.name == protocol) {
			return &p.metadata;
		}
	}
	return nullptr;
}

} // namespace kafkaml::broker::group
