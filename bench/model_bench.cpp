// bench-libs: kafkaml_ml kafkaml_common kafkaml_test_support
// Training and prediction speed beyond the paper's model, against the same
// model in PyTorch (bench/model_peer.py under /usr/bin/python3), one thread
// each, in one run, as the training and inference jobs run: the engine
// built from Keras code as users write it, glibc's allocator tuned as
// `kafkaml` tunes it.
//   - cnn:  a small MNIST convnet (two 3x3 convolutions, max-pooling,
//           dropout, softmax over 10), batch 128;
//   - lstm: LSTM(64) over 50 steps of 8 features, Dense(1), mse, batch 32.
// Prints medians of 5 runs: training steps/s and predictions/s (batches of
// 256), ours and the peer's, and their ratios. Target (issue 13): at least
// 1.0x the peer on each.
//
// Usage: model_bench [cnn|lstm|all] [training steps] [predictions]

#include "common/allocator.h"
#include "ml/model.h"
#include "ml/rng.h"
#include "ml/spec/parse.h"
#include "support/child_process.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace kafkaml::ml;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char *kCnn = R"(model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
)";

constexpr const char *kLstm = R"(model = keras.Sequential([
    layers.LSTM(64, input_shape=(50, 8)),
    layers.Dense(1),
])
model.compile(loss="mse", optimizer="adam")
)";

struct Workload {
	const char *name;
	const char *code;
	Shape sample;
	int64_t batch;
	bool classes;
};

struct Timing {
	double train = 0;   //!< seconds for the training steps
	double predict = 0; //!< seconds for the predictions
};

double median(std::vector<double> v) {
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

Timing run_ours(const Workload &w, int64_t steps, int64_t predictions) {
	auto model = Model::build(parse_model_definition(w.code), 3);
	int64_t rows = 1024;
	int64_t width = 1;
	for (auto d : w.sample) {
		width *= d;
	}
	Rng rng(5);
	Array x, y;
	x.shape = {rows};
	x.shape.insert(x.shape.end(), w.sample.begin(), w.sample.end());
	x.data.resize(static_cast<size_t>(rows * width));
	for (auto &v : x.data) {
		v = rng.uniform();
	}
	y.shape = {rows};
	for (int64_t i = 0; i < rows; i++) {
		y.data.push_back(w.classes ? static_cast<float>(rng.below(10)) : rng.uniform());
	}
	FitOptions o;
	o.batch_size = w.batch;
	o.epochs = 1;
	o.steps_per_epoch = steps;
	o.shuffle = false;
	o.verbose = 0;
	Timing t;
	t.train = model.fit(x, y, o).seconds;
	Array sample;
	sample.shape = x.shape;
	sample.shape[0] = std::min<int64_t>(predictions, rows);
	sample.data.assign(x.data.begin(), x.data.begin() + sample.shape[0] * width);
	auto start = Clock::now();
	for (int64_t done = 0; done < predictions; done += sample.shape[0]) {
		model.predict(sample, 256);
	}
	t.predict = std::chrono::duration<double>(Clock::now() - start).count();
	return t;
}

Timing run_peer(const Workload &w, int64_t steps, int64_t predictions) {
	auto peer = kafkaml::testing::run({.argv = {"/usr/bin/python3", KAFKAML_SOURCE_DIR "/bench/model_peer.py", w.name,
	                                            std::to_string(steps), std::to_string(predictions)}},
	                                  std::chrono::hours(1));
	Timing t{-1, -1};
	if (std::sscanf(peer.out.c_str(), "train_seconds=%lf predict_seconds=%lf", &t.train, &t.predict) != 2) {
		t = {-1, -1};
	}
	return t;
}

} // namespace

int main(int argc, char **argv) {
	kafkaml::tune_allocator();
	std::string which = argc > 1 ? argv[1] : "all";
	int64_t steps = argc > 2 ? std::atoll(argv[2]) : 40;
	int64_t predictions = argc > 3 ? std::atoll(argv[3]) : 4096;
	const Workload workloads[] = {{"cnn", kCnn, {28, 28, 1}, 128, true}, {"lstm", kLstm, {50, 8}, 32, false}};
	std::printf("model_bench: %lld training steps, %lld predictions, 1 thread, median of 5; peer: PyTorch in "
	            "/usr/bin/python3\n",
	            static_cast<long long>(steps), static_cast<long long>(predictions));
	std::printf("%-6s %14s %14s %8s %16s %16s %8s\n", "model", "train ours/s", "train peer/s", "ratio",
	            "predict ours/s", "predict peer/s", "ratio");
	for (const auto &w : workloads) {
		if (which != "all" && which != w.name) {
			continue;
		}
		std::vector<double> train, predict, peer_train, peer_predict;
		for (int run = 0; run < 5; run++) {
			auto ours = run_ours(w, steps, predictions);
			auto peer = run_peer(w, steps, predictions);
			train.push_back(static_cast<double>(steps) / ours.train);
			predict.push_back(static_cast<double>(predictions) / ours.predict);
			if (peer.train > 0) {
				peer_train.push_back(static_cast<double>(steps) / peer.train);
				peer_predict.push_back(static_cast<double>(predictions) / peer.predict);
			}
		}
		double pt = peer_train.empty() ? 0 : median(peer_train);
		double pp = peer_predict.empty() ? 0 : median(peer_predict);
		std::printf("%-6s %14.1f %14.1f %7.2fx %16.0f %16.0f %7.2fx\n", w.name, median(train), pt,
		            pt > 0 ? median(train) / pt : 0.0, median(predict), pp, pp > 0 ? median(predict) / pp : 0.0);
	}
	return 0;
}
