// Interop with Python's PyTorch (Debian's python3-torch under /usr/bin/python3):
// the export loads with torch.load, and a module scripted in Python trains here.

#include "ml/model.h"
#include "ml/spec/parse.h"
#include "python_torch_test.h"
#include "spec_builders.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;
using kafkaml::testing::read_file;

namespace {

using Interop = PythonTorchTest;

} // namespace

TEST_F(Interop, ExportLoadsInPythonAndPredictsTheSame) {
	auto data = hcopd_like(4, 1);
	auto model = Model::build(hcopd_spec(), 5);
	dir_.write("model.pt", model.export_pytorch());
	auto expected = model.predict(data.x);
	std::ostringstream rows;
	for (size_t i = 0; i < data.x.data.size(); i += 3) {
		rows << "[" << data.x.data[i] << "," << data.x.data[i + 1] << "," << data.x.data[i + 2] << "],";
	}
	// The README's snippet, then the HCOPD model evaluated by hand in PyTorch.
	auto out = python("import torch, json\n"
	                  "d = torch.load('" +
	                  path("model.pt") +
	                  "')\n"
	                  "w = d['weights']\n"
	                  "assert d['format'] == 'kafkaml-keras-weights-v1' and json.loads(d['spec'])['layers']\n"
	                  "x = torch.tensor([" +
	                  rows.str() +
	                  "])\n"
	                  "h = torch.sigmoid(x @ w['dense/kernel'] + w['dense/bias'])\n"
	                  "y = torch.softmax(h @ w['dense_1/kernel'] + w['dense_1/bias'], -1)\n"
	                  "print(' '.join('%.6f' % v for v in y.flatten().tolist()))\n");
	std::istringstream values(out);
	for (float e : expected.data) {
		float v = 0;
		ASSERT_TRUE(values >> v) << out;
		EXPECT_NEAR(v, e, 1e-5);
	}
}

// The LSTM's one-node path (forward and backward through time by hand)
// against the Keras formulas written out in PyTorch ops and differentiated
// by PyTorch's autograd, on the exported weights: the loss and every
// gradient, with and without return_sequences.
TEST_F(Interop, TheLstmPathGivesKerasLossAndGradients) {
	for (bool sequences : {false, true}) {
		SCOPED_TRACE(sequences ? "return_sequences=True" : "return_sequences=False");
		std::string code = "model = keras.Sequential([\n"
		                   "    layers.LSTM(6, input_shape=(5, 3), return_sequences=" +
		                   std::string(sequences ? "True" : "False") + "),\n" +
		                   (sequences ? "    layers.GlobalAveragePooling1D(),\n" : "") +
		                   "    layers.Dense(2, activation='softmax'),\n"
		                   "])\n"
		                   "model.compile('adam', 'sparse_categorical_crossentropy')\n";
		auto model = Model::build(parse_model_definition(code), 11);
		Array x{{4, 5, 3}, {}}, y{{4}, {0, 1, 1, 0}};
		for (int i = 0; i < 60; i++) {
			x.data.push_back(std::sin(0.37f * static_cast<float>(i)));
		}
		std::vector<float> gradients;
		double loss = model.loss_and_gradients(x, y, gradients);
		dir_.write("lstm.pt", model.export_pytorch());
		std::string xs;
		for (float v : x.data) {
			xs += std::to_string(v) + ",";
		}
		auto out =
		    python("import torch\n"
		           "d = torch.load('" +
		           path("lstm.pt") +
		           "')\n"
		           "w = {k: v.clone().requires_grad_(True) for k, v in d['weights'].items()}\n"
		           "names = [k for k in d['weights']]\n"
		           "x = torch.tensor([" +
		           xs +
		           "]).reshape(4, 5, 3)\n"
		           "y = torch.tensor([0, 1, 1, 0])\n"
		           "lstm = [k for k in names if k.endswith('/kernel') and not k.startswith('dense')][0][:-7]\n"
		           "W, R, b = w[lstm + '/kernel'], w[lstm + '/recurrent_kernel'], w[lstm + '/bias']\n"
		           "u = R.shape[0]\n"
		           "h = torch.zeros(4, u); c = torch.zeros(4, u); hs = []\n"
		           "for t in range(5):\n"
		           "    z = x[:, t] @ W + h @ R + b\n"
		           "    i, f, g, o = torch.sigmoid(z[:, :u]), torch.sigmoid(z[:, u:2*u]), torch.tanh(z[:, 2*u:3*u]), "
		           "torch.sigmoid(z[:, 3*u:])\n"
		           "    c = f * c + i * g; h = o * torch.tanh(c); hs.append(h)\n"
		           "feat = torch.stack(hs, 1).mean(1) if " +
		           std::string(sequences ? "True" : "False") +
		           " else h\n"
		           "p = torch.softmax(feat @ w['dense/kernel'] + w['dense/bias'], -1)\n"
		           "loss = torch.nn.functional.nll_loss(torch.log(p.clamp(1e-7, 1 - 1e-7)), y)\n"
		           "loss.backward()\n"
		           "print('%.8f' % loss.item())\n"
		           "print(' '.join('%.8f' % v for k in names for v in w[k].grad.flatten().tolist()))\n"
		           "print(' '.join('%.8f' % v for v in p.flatten().tolist()))\n");
		std::istringstream lines(out);
		double expected_loss = 0;
		lines >> expected_loss;
		std::vector<float> expected;
		for (float v; lines >> v;) {
			expected.push_back(v);
		}
		EXPECT_NEAR(loss, expected_loss, 1e-5);
		// The last line is the predictions, which prediction (no gradients,
		// a forward of its own that keeps nothing) must give as well.
		auto predicted = model.predict(x);
		ASSERT_EQ(expected.size(), gradients.size() + predicted.data.size());
		for (size_t k = 0; k < gradients.size(); k++) {
			EXPECT_NEAR(gradients[k], expected[k], 1e-5) << "gradient " << k;
		}
		for (size_t k = 0; k < predicted.data.size(); k++) {
			EXPECT_NEAR(predicted.data[k], expected[gradients.size() + k], 1e-5) << "prediction " << k;
		}
	}
}

TEST_F(Interop, TorchScriptModuleFromPythonTrainsAndPredicts) {
	python("import torch\n"
	       "class Net(torch.nn.Module):\n"
	       "    def __init__(self):\n"
	       "        super().__init__()\n"
	       "        self.hidden = torch.nn.Linear(3, 8)\n"
	       "        self.out = torch.nn.Linear(8, 2)\n"
	       "    def forward(self, x):\n"
	       "        return torch.softmax(self.out(torch.relu(self.hidden(x))), -1)\n"
	       "torch.manual_seed(0)\n"
	       "torch.jit.save(torch.jit.script(Net()), '" +
	       path("net.pt") + "')\n");
	auto train = hcopd_like(200, 1), val = hcopd_like(100, 2);
	auto compiled = compile("adam", 0.01, "sparse_categorical_crossentropy", {"accuracy"});
	auto model = Model::from_torchscript(read_file(path("net.pt")), compiled, {3}, 1);
	EXPECT_EQ(model.param_count(), 3 * 8 + 8 + 8 * 2 + 2);
	EXPECT_EQ(model.output_shape(), (Shape{2}));
	FitOptions o;
	o.epochs = 30;
	o.batch_size = 10;
	o.verbose = 0;
	auto result = model.fit(train.x, train.y, o, &val.x, &val.y);
	EXPECT_GT(metric(result.history.back().validation, "accuracy"), 0.8);
	auto loaded = Model::load(model.save());
	EXPECT_EQ(loaded.predict(val.x).data, model.predict(val.x).data);
	// The trained module is what the export gives back; Python runs it.
	dir_.write("trained.pt", model.export_pytorch());
	auto out = python("import torch\n"
	                  "m = torch.jit.load('" +
	                  path("trained.pt") +
	                  "')\n"
	                  "print('%.6f' % m(torch.tensor([[" +
	                  std::to_string(val.x.data[0]) + "," + std::to_string(val.x.data[1]) + "," +
	                  std::to_string(val.x.data[2]) + "]]))[0][0].item())\n");
	EXPECT_NEAR(std::stod(out), model.predict(Array{{1, 3}, {val.x.data[0], val.x.data[1], val.x.data[2]}}).data[0],
	            1e-4);
	EXPECT_THROW(Model::from_torchscript("garbage", compiled, {3}), std::invalid_argument);
}

// .npy in and out of Python's numpy, as `kafkaml send` takes them: fit with
// the labels in a file of their own, then predict a file, one JSON line per
// row, the numbers the model gives.
TEST_F(Interop, ModelFitAndPredictCommandsTakeNpyFiles) {
	const char *bin = std::getenv("KAFKAML_BIN");
	if (!bin || !std::filesystem::exists(bin)) {
		GTEST_SKIP() << "KAFKAML_BIN not built";
	}
	python("import numpy as np\n"
	       "rng = np.random.default_rng(3)\n"
	       "x = rng.normal(size=(300, 2, 2)).astype('float32')\n"
	       "y = (x[:, 0, 0] + x[:, 1, 1] > 0).astype('uint8')\n"
	       "np.save('" +
	       path("x.npy") +
	       "', x)\n"
	       "np.save('" +
	       path("y.npy") + "', y)\n");
	// No input shape: it is the files' row shape, (2, 2).
	dir_.write("model.py", "model = tf.keras.Sequential([\n"
	                       "    tf.keras.layers.Flatten(),\n"
	                       "    tf.keras.layers.Dense(8, activation='relu'),\n"
	                       "    tf.keras.layers.Dense(2, activation='softmax')\n"
	                       "])\n"
	                       "model.compile('adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n");
	std::string command = std::string(bin) + " model fit " + path("model.py") + " --data " + path("x.npy") +
	                      " --labels " + path("y.npy") + " --kwargs 'epochs=40' --output " + path("model.kafkaml") +
	                      " > " + path("fit.txt") + " 2>&1";
	ASSERT_EQ(std::system(command.c_str()), 0) << read_file(path("fit.txt"));
	auto model = Model::load(read_file(path("model.kafkaml")));
	EXPECT_EQ(model.input_shape(), (Shape{2, 2}));
	command = std::string(bin) + " model predict " + path("model.kafkaml") + " --data " + path("x.npy") + " -o " +
	          path("predictions.jsonl") + " > " + path("predict.txt") + " 2>&1";
	ASSERT_EQ(std::system(command.c_str()), 0) << read_file(path("predict.txt"));
	std::istringstream lines(read_file(path("predictions.jsonl")));
	std::vector<std::string> rows;
	for (std::string line; std::getline(lines, line);) {
		rows.push_back(line);
	}
	ASSERT_EQ(rows.size(), 300u);
	// The first row's numbers are the model's own for that sample.
	auto out = python("import numpy as np, json\n"
	                  "x = np.load('" +
	                  path("x.npy") +
	                  "')\n"
	                  "print(json.dumps([float(v) for v in x[0].ravel()]))\n");
	auto first = nlohmann::json::parse(out);
	Array sample{{1, 2, 2},
	             {first[0].get<float>(), first[1].get<float>(), first[2].get<float>(), first[3].get<float>()}};
	auto expected = model.predict(sample).data;
	auto values = nlohmann::json::parse(rows[0]).at("values");
	ASSERT_EQ(values.size(), 2u);
	EXPECT_FLOAT_EQ(values[0].get<float>(), expected[0]);
	EXPECT_FLOAT_EQ(values[1].get<float>(), expected[1]);
}

TEST_F(Interop, ModelFitCommandTrainsFromCsv) {
	const char *bin = std::getenv("KAFKAML_BIN");
	if (!bin || !std::filesystem::exists(bin)) {
		GTEST_SKIP() << "KAFKAML_BIN not built";
	}
	auto data = hcopd_like(240, 4);
	std::ostringstream csv;
	csv << "Diagnosis,Gender,Age,Smoking\n";
	for (int64_t r = 0; r < 240; r++) {
		csv << data.y.data[static_cast<size_t>(r)] << "," << data.x.data[static_cast<size_t>(r * 3)] << ","
		    << data.x.data[static_cast<size_t>(r * 3 + 1)] << "," << data.x.data[static_cast<size_t>(r * 3 + 2)]
		    << "\n";
	}
	dir_.write("data.csv", csv.str());
	dir_.write("model.py", "model = tf.keras.Sequential([\n"
	                       "    tf.keras.layers.Dropout(0.2, input_shape=(3,)),\n"
	                       "    tf.keras.layers.Dense(4, activation='sigmoid'),\n"
	                       "    tf.keras.layers.Dense(2, activation='softmax')\n"
	                       "])\n"
	                       "model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', "
	                       "metrics=['accuracy'])\n");
	std::string command = std::string(bin) + " model fit " + path("model.py") + " --data " + path("data.csv") +
	                      " --label-column Diagnosis --batch 10 --kwargs 'epochs=300, steps_per_epoch=22, "
	                      "shuffle=True' --validation-rate 0.1 --standardize --output " +
	                      path("model.bin") + " > " + path("fit.txt") + " 2>&1";
	ASSERT_EQ(std::system(command.c_str()), 0) << read_file(path("fit.txt"));
	auto out = read_file(path("fit.txt"));
	EXPECT_NE(out.find("epoch 300/300 loss="), std::string::npos) << out;
	EXPECT_NE(out.find("val_accuracy="), std::string::npos) << out;
	EXPECT_NE(out.find("trained 6600 steps in"), std::string::npos) << out;
	auto accuracy = std::stod(out.substr(out.find("validation: ") + 12)
	                              .substr(out.substr(out.find("validation: ") + 12).find("accuracy=") + 9));
	EXPECT_GT(accuracy, 0.75) << out;
	auto model = Model::load(read_file(path("model.bin")));
	EXPECT_EQ(model.param_count(), 26);
	// A wrong column is a clear error with exit status 1.
	command = std::string(bin) + " model fit " + path("model.py") + " --data " + path("data.csv") +
	          " --label-column Nope > " + path("fit.txt") + " 2>&1";
	EXPECT_NE(std::system(command.c_str()), 0);
	EXPECT_NE(read_file(path("fit.txt")).find("no column 'Nope'"), std::string::npos) << read_file(path("fit.txt"));
}
