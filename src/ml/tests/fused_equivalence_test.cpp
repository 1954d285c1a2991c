// The fused executor against the general (libtorch autograd) one: same
// initial weights, same dropout masks, so the same loss and gradients.

#include "ml/model.h"
#include "spec_builders.h"

#include <gtest/gtest.h>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

void expect_same_step(const ModelSpec &spec, const Array &x, const Array &y) {
	auto fused = Model::build(spec, 17, ExecutionPath::Fused);
	auto general = Model::build(spec, 17, ExecutionPath::General);
	ASSERT_EQ(fused.parameters(), general.parameters());
	std::vector<float> gf, gg;
	for (int step = 0; step < 3; step++) { // several draws of the dropout masks
		double lf = fused.loss_and_gradients(x, y, gf);
		double lg = general.loss_and_gradients(x, y, gg);
		EXPECT_NEAR(lf, lg, 1e-6);
		ASSERT_EQ(gf.size(), gg.size());
		for (size_t i = 0; i < gf.size(); i++) {
			EXPECT_NEAR(gf[i], gg[i], 1e-6) << "gradient " << i;
		}
	}
	auto pf = fused.predict(x), pg = general.predict(x);
	for (size_t i = 0; i < pf.data.size(); i++) {
		EXPECT_NEAR(pf.data[i], pg.data[i], 1e-6);
	}
}

} // namespace

TEST(FusedEquivalence, HcopdModel) {
	auto data = hcopd_like(10, 3);
	expect_same_step(hcopd_spec(), data.x, data.y);
}

TEST(FusedEquivalence, EveryActivationAndLoss) {
	auto data = hcopd_like(8, 5);
	for (const char *activation :
	     {"linear", "relu", "sigmoid", "tanh", "elu", "selu", "softplus", "leaky_relu", "swish", "softmax"}) {
		for (const char *loss : {"mse", "mae", "huber", "binary_crossentropy"}) {
			ModelSpec spec;
			spec.layers.push_back(dense("dense", 5, activation));
			spec.layers.back().input_shape = Shape{3};
			spec.layers.push_back(dropout("dropout", 0.3));
			auto act = layer(LayerKind::Activation, "activation");
			act.activation = activation;
			spec.layers.push_back(act);
			spec.layers.push_back(dense("dense_1", 1, "sigmoid"));
			spec.compile = compile("sgd", 0.1, loss, {"accuracy"});
			SCOPED_TRACE(std::string(activation) + " / " + loss);
			expect_same_step(spec, data.x, data.y);
		}
	}
}

TEST(FusedEquivalence, TrainingRunsStayTogether) {
	auto data = hcopd_like(60, 8);
	auto spec = hcopd_spec();
	spec.compile.optimizer.learning_rate = 0.01;
	auto fused = Model::build(spec, 2, ExecutionPath::Fused);
	auto general = Model::build(spec, 2, ExecutionPath::General);
	FitOptions o;
	o.epochs = 20;
	o.batch_size = 10;
	o.verbose = 0;
	auto hf = fused.fit(data.x, data.y, o).history.back().train;
	auto hg = general.fit(data.x, data.y, o).history.back().train;
	EXPECT_NEAR(hf[0].second, hg[0].second, 1e-4);
	auto pf = fused.parameters(), pg = general.parameters();
	for (size_t i = 0; i < pf.size(); i++) {
		EXPECT_NEAR(pf[i], pg[i], 1e-4);
	}
}
