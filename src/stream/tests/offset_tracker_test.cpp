#include "stream/io.h"

#include <gtest/gtest.h>

using namespace kafkaml::stream;

TEST(OffsetTracker, CommitsOnlyTheContiguousDonePrefix) {
	std::vector<std::vector<TopicPartitionOffset>> commits;
	OffsetTracker tracker([&](const auto &offsets) { commits.push_back(offsets); });
	for (int64_t offset = 10; offset < 15; offset++) {
		tracker.begin("in", 0, offset);
	}
	tracker.begin("in", 1, 0);
	tracker.done("in", 0, 11); // out of order: 10 is still in flight
	EXPECT_TRUE(tracker.commit().empty());
	tracker.done("in", 0, 10);
	tracker.done("in", 0, 13);
	auto first = tracker.commit();
	ASSERT_EQ(first.size(), 1u);
	EXPECT_EQ(first[0], (TopicPartitionOffset{"in", 0, 12}));
	EXPECT_TRUE(tracker.commit().empty()); // nothing moved
	tracker.done("in", 0, 12);
	tracker.done("in", 1, 0);
	auto second = tracker.commit();
	ASSERT_EQ(second.size(), 2u);
	EXPECT_EQ(second[0], (TopicPartitionOffset{"in", 0, 14}));
	EXPECT_EQ(second[1], (TopicPartitionOffset{"in", 1, 1}));
	EXPECT_EQ(tracker.in_flight(), 1u);
	EXPECT_EQ(commits.size(), 2u);
}

TEST(OffsetTracker, ForgottenPartitionsAreNotCommitted) {
	OffsetTracker tracker(nullptr);
	tracker.begin("in", 0, 0);
	tracker.forget("in", 0);
	tracker.done("in", 0, 0);
	EXPECT_TRUE(tracker.commit().empty());
	EXPECT_EQ(tracker.in_flight(), 0u);
}

TEST(OffsetTracker, SaysWhenADonePrefixAwaitsItsCommit) {
	OffsetTracker tracker(nullptr);
	EXPECT_FALSE(tracker.has_uncommitted());
	tracker.begin("in", 0, 5);
	tracker.begin("in", 0, 6);
	tracker.done("in", 0, 6);
	EXPECT_FALSE(tracker.has_uncommitted()) << "6 is done but 5 is not: nothing to commit yet";
	tracker.done("in", 0, 5);
	EXPECT_TRUE(tracker.has_uncommitted());
	tracker.commit();
	EXPECT_FALSE(tracker.has_uncommitted());
}

// A revoked partition's done prefix is committed once more on its way out,
// even though an earlier (asynchronous, perhaps failed) commit carried it.
TEST(OffsetTracker, ReleasedPartitionCommitsItsDonePrefixAgainAndIsForgotten) {
	std::vector<TopicPartitionOffset> committed;
	OffsetTracker tracker(
	    [&](const auto &offsets) { committed.insert(committed.end(), offsets.begin(), offsets.end()); });
	tracker.begin("in", 0, 5);
	tracker.begin("in", 0, 6);
	tracker.begin("in", 1, 0);
	tracker.done("in", 0, 5);
	tracker.commit();
	ASSERT_EQ(committed, (std::vector<TopicPartitionOffset>{{"in", 0, 6}}));
	tracker.release("in", 0);
	EXPECT_EQ(committed, (std::vector<TopicPartitionOffset>{{"in", 0, 6}, {"in", 0, 6}}));
	tracker.release("in", 1); // nothing done there: nothing to say
	EXPECT_EQ(committed.size(), 2u);
	tracker.done("in", 0, 6); // its output acknowledged after the revoke
	EXPECT_TRUE(tracker.commit().empty()) << "the partition's new owner commits it";
	EXPECT_EQ(tracker.in_flight(), 0u);
}

TEST(OffsetTracker, AFailedCommitIsMadeAgainUnlessALaterOneWasMade) {
	OffsetTracker tracker(nullptr);
	tracker.begin("in", 0, 0);
	tracker.begin("in", 0, 1);
	tracker.done("in", 0, 0);
	ASSERT_EQ(tracker.commit(), (std::vector<TopicPartitionOffset>{{"in", 0, 1}}));
	EXPECT_FALSE(tracker.has_uncommitted());
	tracker.commit_failed("in", 0, 1);
	EXPECT_TRUE(tracker.has_uncommitted());
	EXPECT_EQ(tracker.commit(), (std::vector<TopicPartitionOffset>{{"in", 0, 1}}));
	tracker.done("in", 0, 1);
	ASSERT_EQ(tracker.commit(), (std::vector<TopicPartitionOffset>{{"in", 0, 2}}));
	tracker.commit_failed("in", 0, 1); // superseded by the commit of 2
	EXPECT_FALSE(tracker.has_uncommitted());
	EXPECT_TRUE(tracker.commit().empty());
}
