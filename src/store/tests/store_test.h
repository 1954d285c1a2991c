#pragma once

// The store conformance tests (store_test.cpp) run against every backend; a
// backend's test file instantiates them with a factory of fresh, empty stores.

#include "store/store.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace kafkaml::store {

struct StoreBackend {
	std::string name;
	//! URL of a new empty store per call.
	std::function<std::string()> fresh_url;
};

inline void PrintTo(const StoreBackend &backend, std::ostream *out) {
	*out << backend.name;
}

inline std::string backend_name(const ::testing::TestParamInfo<StoreBackend> &info) {
	return info.param.name;
}

class StoreTest : public ::testing::TestWithParam<StoreBackend> {
protected:
	void SetUp() override {
		url_ = GetParam().fresh_url();
		store_ = open_store(url_);
	}
	std::string url_;
	std::unique_ptr<Store> store_;
};

} // namespace kafkaml::store
