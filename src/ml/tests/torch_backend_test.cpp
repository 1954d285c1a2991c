// libtorch is loaded only when a model needs it (torch_backend.h). Its own
// executable: whether the library is mapped is a property of the process,
// so no other test may run before this one in it.

#include "ml/model.h"
#include "spec_builders.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

bool mapped(const std::string &library) {
	std::ifstream maps("/proc/self/maps");
	std::stringstream text;
	text << maps.rdbuf();
	return text.str().find(library) != std::string::npos;
}

} // namespace

TEST(TorchBackend, LoadedOnlyWhenAModelNeedsIt) {
	ASSERT_FALSE(mapped("libtorch_cpu")) << "the engine must not link libtorch";

	auto data = hcopd_like(40, 1);
	FitOptions options;
	options.epochs = 2;
	options.batch_size = 10;
	options.verbose = 0;
	set_engine_threads(2);
	auto fused = Model::build(hcopd_spec(), 1);
	ASSERT_EQ(fused.path(), ExecutionPath::Fused);
	fused.fit(data.x, data.y, options);
	auto reloaded = Model::load(fused.save());
	reloaded.predict(data.x);
	EXPECT_FALSE(mapped("libkafkaml_torch.so")) << "a fused model loaded libtorch";
	EXPECT_FALSE(mapped("libtorch_cpu"));

	auto general = Model::build(hcopd_spec(), 1, ExecutionPath::General);
	general.fit(data.x, data.y, options);
	EXPECT_TRUE(mapped("libkafkaml_torch.so"));
	EXPECT_TRUE(mapped("libtorch_cpu"));
	// Both paths compute the same model from the same seed.
	auto a = fused.predict(data.x), b = general.predict(data.x);
	ASSERT_EQ(a.data.size(), b.data.size());
	for (size_t i = 0; i < a.data.size(); i++) {
		EXPECT_NEAR(a.data[i], b.data[i], 1e-4);
	}
}
