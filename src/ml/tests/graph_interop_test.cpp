// Graph models against PyTorch (Debian's python3-torch under
// /usr/bin/python3): each model of graph_models.h is written again in
// Python as Keras defines it, on the weights the engine exports
// (Model::export_pytorch), in float64. The predictions, one training step's
// loss (Keras' losses, weighted per output) and the gradient of every weight
// must equal the engine's within 1e-5.

#include "graph_models.h"
#include "ml/model.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"
#include "python_torch_test.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <sstream>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

// Keras' formulas the models' Python uses; `w` maps slot names to weights
// in Keras' layouts.
const char *kPrelude = R"(import math
import torch

def dense(x, name): return x @ w[name + '/kernel'] + w[name + '/bias']

def l2_normalize(x): return x / torch.sqrt(torch.clamp((x * x).sum(-1, keepdim=True), min=1e-12))

def attention(name, query, value, key, heads, key_dim):
    def project(x, part):
        return torch.einsum('btd,dhk->bthk', x, w[name + '/' + part + '/kernel']) + w[name + '/' + part + '/bias']
    q = project(query, 'query') / math.sqrt(key_dim)
    k, v = project(key, 'key'), project(value, 'value')
    probabilities = torch.softmax(torch.einsum('bshk,bthk->bhts', k, q), -1)
    context = torch.einsum('bhts,bshv->bthv', probabilities, v)
    out = torch.einsum('bthv,hvo->bto', context, w[name + '/attention_output/kernel'])
    return out + w[name + '/attention_output/bias']

EPS = 1e-7

def keras_loss(name, out, target):
    if name == 'mse':
        return ((out - target) ** 2).mean()
    if name == 'binary_crossentropy':
        p = out.clamp(EPS, 1 - EPS)
        return -(target * (p + EPS).log() + (1 - target) * (1 - p + EPS).log()).mean()
    p = (out / out.sum(-1, keepdim=True)).clamp(EPS, 1 - EPS)  # sparse_categorical_crossentropy
    return -p.gather(1, target.long()).log().mean()

def recurrent(kind, x, name, h, c=None):
    # Keras' LSTM (gates i, f, c, o), GRU (reset_after) and SimpleRNN cells
    # from given states; returns the sequence and the final states.
    k, u, b = w[name + '/kernel'], w[name + '/recurrent_kernel'], w[name + '/bias']
    n, seq = u.shape[0], []
    for t in range(x.shape[1]):
        if kind == 'lstm':
            i, f, g, o = (x[:, t] @ k + h @ u + b).chunk(4, -1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        elif kind == 'gru':
            xz, hz = x[:, t] @ k + b[0], h @ u + b[1]
            z = torch.sigmoid(xz[:, :n] + hz[:, :n])
            r = torch.sigmoid(xz[:, n:2 * n] + hz[:, n:2 * n])
            h = z * h + (1 - z) * torch.tanh(xz[:, 2 * n:] + r * hz[:, 2 * n:])
        else:
            h = torch.tanh(x[:, t] @ k + h @ u + b)
        seq.append(h)
    return torch.stack(seq, 1), h, c

def report(label, t):
    print(label, ' '.join('%.12e' % v for v in t.detach().flatten().tolist()))
)";

struct Case {
	const char *name;
	const char *code;
	//! Python: `def forward(<inputs>)` returning the list of outputs.
	const char *forward;
};

const Case kCases[] = {
    {"two inputs", kTwoInputsModel, R"(
def forward(a, b):
    x = torch.relu(dense(a, 'left'))
    y = torch.tanh(dense(b, 'right'))
    return [torch.sigmoid(dense(torch.cat([x, y], -1), 'out'))]
)"},
    {"residual", kResidualModel, R"(
def forward(x):
    h = dense(torch.relu(dense(x, 'inner')), 'inner_1')
    return [dense(torch.relu(x + h), 'out')]
)"},
    {"two outputs", kTwoOutputsModel, R"(
def forward(x):
    t = torch.relu(dense(x, 'trunk'))
    return [dense(t, 'price'), torch.softmax(dense(t, 'category'), -1)]
)"},
    {"shared layer", kSharedModel, R"(
def forward(left, right):
    l, r = torch.tanh(dense(left, 'encoder')), torch.tanh(dense(right, 'encoder'))
    merged = torch.cat([l - r, l * r, torch.maximum(l, r), torch.minimum(l, r), (l + r) / 2, l + r + l], -1)
    return [dense(merged, 'out')]
)"},
    {"dot", kDotModel, R"(
def forward(a, b):
    scores = torch.einsum('bik,bjk->bij', a, b)
    q, r = dense(scores.flatten(1), 'q'), dense(b.flatten(1), 'r')
    cosine = (l2_normalize(q) * l2_normalize(r)).sum(-1, keepdim=True)
    return [dense(torch.cat([q, cosine], -1), 'out')]
)"},
    {"attention", kAttentionModel, R"(
def forward(query, value, key):
    cross = attention('cross', query, value, key, 2, 3)
    self_attention = attention('self_attention', query, query, query, 3, 2)
    return [dense(torch.cat([cross, self_attention], -1).flatten(1), 'out')]
)"},
    {"grid attention", kGridAttentionModel, R"(
def forward(grid):
    def project(part):
        return torch.einsum('bxyd,dhk->bxyhk', grid, w['grid_attention/' + part + '/kernel'])
    q = project('query') / math.sqrt(5)
    scores = torch.einsum('buvhk,bxyhk->bhxyuv', project('key'), q)
    probabilities = torch.softmax(scores.flatten(-2), -1).reshape(scores.shape)  # over both key axes
    context = torch.einsum('bhxyuv,buvhk->bxyhk', probabilities, project('value'))
    y = torch.einsum('bxyhk,hkmn->bxymn', context, w['grid_attention/attention_output/kernel'])
    return [dense(y.flatten(1), 'out')]
)"},
    {"recurrent states", kRecurrentStatesModel, R"(
def forward(source, target):
    zeros = lambda units: torch.zeros(source.shape[0], units, dtype=torch.float64)
    _, h, c = recurrent('lstm', source, 'encoder', zeros(4), zeros(4))
    sequence, _, c_out = recurrent('lstm', target, 'decoder', h, c)
    _, g, _ = recurrent('gru', sequence, 'gru', zeros(3))
    _, tail, _ = recurrent('rnn', sequence, 'tail', g)
    return [torch.softmax(dense(torch.cat([tail, g], -1), 'words'), -1), c_out]
)"},
};

std::string tensor(const std::vector<float> &values, int64_t rows) {
	std::ostringstream out;
	out.precision(9);
	out << "torch.tensor([";
	for (size_t i = 0; i < values.size(); i++) {
		out << (i ? "," : "") << values[i];
	}
	out << "], dtype=torch.float32).double().reshape(" << rows << ", -1)";
	return out.str();
}

//! The model with every weight moved off its initial value (zero biases
//! would hide a bias that is never added), through the model file.
Model perturbed(const Model &model, uint64_t seed) {
	auto blob = model.save();
	auto count = static_cast<size_t>(model.param_count());
	std::vector<float> weights(count);
	char *at = blob.data() + blob.size() - count * sizeof(float);
	std::memcpy(weights.data(), at, count * sizeof(float));
	Rng rng(seed);
	for (auto &v : weights) {
		v += rng.uniform(-0.3f, 0.3f);
	}
	std::memcpy(at, weights.data(), count * sizeof(float));
	return Model::load(blob);
}

using GraphInterop = PythonTorchTest;

void expect_close(const std::vector<float> &engine, const std::vector<double> &python, const std::string &what) {
	ASSERT_EQ(engine.size(), python.size()) << what;
	for (size_t i = 0; i < engine.size(); i++) {
		EXPECT_NEAR(engine[i], python[i], 1e-5) << what << " [" << i << "]";
	}
}

} // namespace

TEST_F(GraphInterop, ForwardLossAndGradientsEqualPyTorch) {
	const int64_t rows = 6;
	for (const auto &c : kCases) {
		SCOPED_TRACE(c.name);
		auto model = perturbed(Model::build(parse_model_definition(c.code), 11), 12);
		const auto &compile = model.spec().compile;
		// Features in [-1, 1); labels per output: a class index for the
		// sparse loss, 0/1 for the binary one, any value for mse.
		Rng rng(13);
		Array x{{rows, shape_size(model.input_shape())}, {}}, y{{rows, 0}, {}};
		for (int64_t i = 0; i < x.shape[1] * rows; i++) {
			x.data.push_back(rng.uniform(-1, 1));
		}
		std::string losses;
		auto outputs = model.output_shapes();
		for (int64_t r = 0; r < rows; r++) {
			for (size_t o = 0; o < outputs.size(); o++) {
				const std::string &loss = compile.losses.at(o).name;
				int64_t width = loss == "sparse_categorical_crossentropy" ? 1 : shape_size(outputs[o]);
				y.shape[1] += r == 0 ? width : 0;
				for (int64_t i = 0; i < width; i++) {
					y.data.push_back(loss == "mse" ? rng.uniform(-1, 1)
					                               : static_cast<float>(rng.below(static_cast<uint64_t>(
					                                     loss == "binary_crossentropy" ? 2 : shape_size(outputs[o])))));
				}
				if (r == 0) {
					losses += "('" + loss + "', " + std::to_string(compile.loss_weights.at(o)) + "), ";
				}
			}
		}
		std::string shapes;
		for (const auto &shape : model.input_shapes()) {
			shapes += "[" + std::to_string(rows);
			for (auto d : shape) {
				shapes += ", " + std::to_string(d);
			}
			shapes += "], ";
		}
		auto predicted = model.predict(x);
		std::vector<float> grads;
		double loss = model.loss_and_gradients(x, y, grads);

		dir_.write("weights.pt", model.export_pytorch());
		auto lines =
		    python_lines(std::string(kPrelude) + c.forward +
		                 "\nw = {k: v.double().requires_grad_(True) for k, v in torch.load('" + path("weights.pt") +
		                 "')['weights'].items()}\nX = " + tensor(x.data, rows) + "\nY = " + tensor(y.data, rows) + R"(
inputs, at = [], 0
for shape in [)" + shapes +
		                 R"(]:
    n = math.prod(shape[1:])
    inputs.append(X[:, at:at + n].reshape(shape))
    at += n
outputs = forward(*inputs)
total, at = 0, 0
for out, (name, weight) in zip(outputs, [)" +
		                 losses + R"(]):
    out = out.reshape(X.shape[0], -1)
    width = 1 if name == 'sparse_categorical_crossentropy' else out.shape[1]
    total = total + weight * keras_loss(name, out, Y[:, at:at + width])
    at += width
total.backward()
report('predicted', torch.cat([o.reshape(X.shape[0], -1) for o in outputs], 1))
report('loss', total)
for name, weight in w.items():
    report('gradient:' + name, weight.grad)
)");
		expect_close(predicted.data, lines["predicted"], "predictions");
		expect_close({static_cast<float>(loss)}, lines["loss"], "loss");
		auto plan = plan_model(model.spec());
		ASSERT_EQ(grads.size(), static_cast<size_t>(plan.trainable_count));
		for (const auto &slot : plan.params) {
			std::vector<float> engine(grads.begin() + slot.offset, grads.begin() + slot.offset + slot.size);
			expect_close(engine, lines["gradient:" + slot.name], "gradient of " + slot.name);
		}
	}
}
