// The offsets file: persistence across reopen, torn tails, compaction.

#include "broker/group/offset_store.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>

namespace kafkaml::broker::group {
namespace {

using kafkaml::testing::TempDir;

OffsetEntry entry(const std::string &group, const std::string &topic, int32_t partition, int64_t offset,
                  std::optional<std::string> metadata = std::nullopt) {
	return OffsetEntry{group, topic, partition, CommittedOffset{offset, -1, std::move(metadata), 99}};
}

TEST(OffsetStoreTest, OffsetsSurviveReopen) {
	TempDir dir;
	{
		OffsetStore store(dir.path(), true);
		store.commit({entry("g", "t", 0, 10, "meta"), entry("g", "t", 1, 20)});
		store.commit({entry("g", "t", 0, 11, "meta2")});
		store.commit({entry("h", "u", 5, 1)});
	}
	OffsetStore store(dir.path(), false);
	EXPECT_EQ(store.truncated_bytes(), 0u);
	ASSERT_NE(store.find("g", "t", 0), nullptr);
	EXPECT_EQ(store.find("g", "t", 0)->offset, 11);
	EXPECT_EQ(store.find("g", "t", 0)->metadata, "meta2");
	EXPECT_EQ(store.find("g", "t", 1)->offset, 20);
	EXPECT_FALSE(store.find("g", "t", 1)->metadata.has_value());
	EXPECT_EQ(store.find("g", "t", 1)->commit_time_ms, 99);
	EXPECT_EQ(store.find("h", "u", 5)->offset, 1);
	EXPECT_EQ(store.find("g", "t", 2), nullptr);
	EXPECT_EQ(store.group_offsets("g").size(), 2u);
	EXPECT_EQ(store.groups(), (std::vector<std::string>{"g", "h"}));
}

// A deleted topic's offsets go for every group, on disk too; other topics' stay.
TEST(OffsetStoreTest, ForgettingATopicDropsItsOffsetsOfEveryGroup) {
	TempDir dir;
	{
		OffsetStore store(dir.path(), true);
		store.commit({entry("g", "gone", 0, 10), entry("g", "kept", 0, 20), entry("h", "gone", 3, 30)});
		EXPECT_EQ(store.forget_topic("gone"), 2u);
		EXPECT_EQ(store.forget_topic("never-committed"), 0u);
		EXPECT_EQ(store.find("g", "gone", 0), nullptr);
	}
	OffsetStore store(dir.path(), false);
	EXPECT_EQ(store.find("g", "gone", 0), nullptr);
	EXPECT_EQ(store.find("h", "gone", 3), nullptr);
	ASSERT_NE(store.find("g", "kept", 0), nullptr);
	EXPECT_EQ(store.find("g", "kept", 0)->offset, 20);
}

// A commit cut short by a crash (torn tail) or damaged on disk is dropped on
// reopen; every earlier commit stays, and later commits append cleanly.
TEST(OffsetStoreTest, TornTailIsDroppedOnReopen) {
	TempDir dir;
	std::filesystem::path file;
	uintmax_t good_size = 0;
	{
		OffsetStore store(dir.path(), false);
		store.commit({entry("g", "t", 0, 10)});
		file = store.file_path();
		good_size = std::filesystem::file_size(file);
		store.commit({entry("g", "t", 0, 20), entry("g", "t", 1, 30)});
	}
	auto full_size = std::filesystem::file_size(file);
	std::filesystem::resize_file(file, full_size - 3);
	{
		OffsetStore store(dir.path(), false);
		EXPECT_EQ(store.truncated_bytes(), full_size - 3 - good_size);
		EXPECT_EQ(store.find("g", "t", 0)->offset, 10) << "the torn commit is dropped as a whole";
		EXPECT_EQ(store.find("g", "t", 1), nullptr);
		store.commit({entry("g", "t", 1, 31)});
	}
	{
		// Garbage appended after a good record (a corrupt CRC).
		std::ofstream out(file, std::ios::binary | std::ios::app);
		out << std::string("\x00\x00\x00\x05\x01\x02\x03\x04hello", 13);
	}
	OffsetStore store(dir.path(), false);
	EXPECT_EQ(store.truncated_bytes(), 13u);
	EXPECT_EQ(store.find("g", "t", 0)->offset, 10);
	EXPECT_EQ(store.find("g", "t", 1)->offset, 31);
}

TEST(OffsetStoreTest, CompactionKeepsTheFileProportionalToLiveEntries) {
	TempDir dir;
	std::filesystem::path file;
	{
		OffsetStore store(dir.path(), false);
		file = store.file_path();
		for (int i = 0; i < 5000; i++) {
			store.commit({entry("g", "t", i % 3, i)});
		}
		EXPECT_LT(std::filesystem::file_size(file), 2000u * 60u) << "runtime compaction must bound the file";
		EXPECT_EQ(store.find("g", "t", 2)->offset, 4997);
	}
	OffsetStore store(dir.path(), false);
	EXPECT_LT(std::filesystem::file_size(file), 400u) << "reopen compacts to one record";
	EXPECT_EQ(store.find("g", "t", 0)->offset, 4998);
	EXPECT_EQ(store.find("g", "t", 1)->offset, 4999);
}

TEST(OffsetStoreTest, UnwritableDirectoryIsAClearError) {
	TempDir dir;
	auto blocker = dir.path() / "file";
	std::ofstream(blocker) << "x";
	try {
		OffsetStore store(blocker / "sub", false);
		FAIL() << "expected an error";
	} catch (const std::runtime_error &e) {
		EXPECT_NE(std::string(e.what()).find("sub"), std::string::npos) << e.what();
	}
}

} // namespace
} // namespace kafkaml::broker::group
