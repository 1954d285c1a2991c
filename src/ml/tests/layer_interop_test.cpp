// The layer kinds of torch_layers.cpp against PyTorch (Debian's
// python3-torch under /usr/bin/python3): one training-mode forward and the
// gradients of every weight, written in Python with PyTorch's own operators
// (torch.nn's RNN/LSTM/GRU, conv_transpose, layer_norm, ...) from the
// weights in Keras' layouts, must equal the engine's within 1e-5.

#include "added_layer_cases.h"
#include "ml/executor.h"
#include "ml/model.h"
#include "ml/numerics.h"
#include "ml/plan.h"
#include "ml/spec/parse.h"
#include "python_torch_test.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

using namespace kafkaml::ml;
using namespace kafkaml::ml::testing;

namespace {

// Helpers the cases' Python lines use. `w` maps slot names to tensors in
// Keras' layouts.
const char *kPrelude = R"(import torch
import torch.nn.functional as F

def cf(x): return x.movedim(-1, 1)
def cl(x): return x.movedim(1, -1)
def dense(h, name): return h @ w[name + '/kernel'] + w[name + '/bias']
def conv_weight(name): return w[name].movedim(-1, 0).movedim(-1, 1)
def depthwise(name):
    k = w[name + '/depthwise_kernel']
    return k.flatten(-2).movedim(-1, 0).unsqueeze(1)

def gru_order(t):
    z, r, n = t.chunk(3, 0)
    return torch.cat([r, z, n], 0)

def rnn(kind, h, prefix, sequences, backwards=False, nonlinearity='tanh'):
    k, u = w[prefix + '/kernel'], w[prefix + '/recurrent_kernel']
    b = w[prefix + '/bias']
    units = u.shape[0]
    h0 = torch.zeros(1, h.shape[0], units)
    x = h.flip(1) if backwards else h
    if kind == 'gru':
        p = [gru_order(k.t()), gru_order(u.t()), gru_order(b[0]), gru_order(b[1])]
        out = torch._VF.gru(x, h0, p, True, 1, 0.0, False, False, True)[0]
    else:
        p = [k.t(), u.t(), b, torch.zeros(b.shape[0])]
        if kind == 'lstm':
            out = torch._VF.lstm(x, (h0, h0), p, True, 1, 0.0, False, False, True)[0]
        elif nonlinearity == 'relu':
            out = torch._VF.rnn_relu(x, h0, p, True, 1, 0.0, False, False, True)[0]
        else:
            out = torch._VF.rnn_tanh(x, h0, p, True, 1, 0.0, False, False, True)[0]
    if not sequences:
        return out[:, -1]
    return out.flip(1) if backwards else out

def gru_v1(h, prefix, sequences):
    # Keras' GRU with reset_after=False, step by step from its formula.
    k, u, b = w[prefix + '/kernel'], w[prefix + '/recurrent_kernel'], w[prefix + '/bias']
    n = u.shape[0]
    s = torch.zeros(h.shape[0], n)
    out = []
    for t in range(h.shape[1]):
        x = h[:, t] @ k + b
        z = torch.sigmoid(x[:, :n] + s @ u[:, :n])
        r = torch.sigmoid(x[:, n:2 * n] + s @ u[:, n:2 * n])
        c = torch.tanh(x[:, 2 * n:] + (r * s) @ u[:, 2 * n:])
        s = z * s + (1 - z) * c
        out.append(s)
    return torch.stack(out, 1) if sequences else s

def report(label, tensors):
    print(label, ' '.join('%.9e' % v for t in tensors for v in t.detach().flatten().tolist()))
)";

std::string floats(const float *v, int64_t n) {
	std::ostringstream out;
	out.precision(9);
	out << "torch.tensor([";
	for (int64_t i = 0; i < n; i++) {
		out << (i ? "," : "") << v[i];
	}
	out << "])";
	return out.str();
}

std::string python_dims(int64_t batch, const Shape &shape) {
	std::string out = "(" + std::to_string(batch);
	for (auto d : shape) {
		out += ", " + std::to_string(d);
	}
	return out + ")";
}

//! One model of the cases, run by the engine; `script` computes the same in Python.
struct EngineRun {
	ModelPlan plan;
	std::vector<float> out, grads;
	double penalty = 0.0; //!< the regularizers'
	std::string script;
};

class LayerInterop : public PythonTorchTest {
protected:
	//! Runs the prelude and `script`; returns the numbers of each printed line by its label.
	std::map<std::string, std::vector<double>> results(const std::string &script) {
		return python_lines(kPrelude + script);
	}

	//! The engine's training-mode forward and gradients of sum(out * g) for
	//! `model_text`, weights perturbed off Keras' initial values (gamma 1,
	//! alpha 0, zero biases would hide mistakes); and the Python statements
	//! that set w, x and g alike.
	static EngineRun run_engine(const std::string &model_text, int64_t batch, uint64_t seed) {
		EngineRun r;
		r.plan = plan_model(parse_model_definition(model_text));
		const ModelPlan &plan = r.plan;
		std::vector<float> params(static_cast<size_t>(plan.trainable_count)),
		    states(static_cast<size_t>(plan.state_count));
		Rng rng(seed);
		initialize_parameters(plan, rng, params.data(), states.data());
		for (auto &p : params) {
			p += rng.uniform(-0.3f, 0.3f);
		}
		std::vector<float> x(static_cast<size_t>(batch * plan.input_size()));
		for (auto &v : x) {
			v = rng.uniform(-1.5f, 1.5f);
		}
		std::vector<float> g(static_cast<size_t>(batch * plan.output_size()));
		for (auto &v : g) {
			v = rng.uniform(-1.0f, 1.0f);
		}
		auto executor = make_torch_executor(plan, params.data(), states.data());
		r.out.resize(g.size());
		r.grads.resize(params.size());
		Rng draws(seed + 1);
		executor->forward_train(x.data(), batch, draws, r.out.data());
		r.penalty = executor->regularization();
		executor->backward(g.data(), r.grads.data());

		std::string &s = r.script;
		s = "w = {}\n";
		for (const auto &slot : plan.params) {
			s += "w['" + slot.name + "'] = " + floats(params.data() + slot.offset, slot.size) + ".reshape(" +
			     python_dims(slot.shape[0], Shape(slot.shape.begin() + 1, slot.shape.end())) + ").requires_grad_()\n";
		}
		s += "x = " + floats(x.data(), static_cast<int64_t>(x.size())) + ".reshape" +
		     python_dims(batch, plan.input_shape) + "\n";
		s +=
		    "g = " + floats(g.data(), static_cast<int64_t>(g.size())) + ".reshape(" + std::to_string(batch) + ", -1)\n";
		return r;
	}

	//! Compares Python's "out" and "grad" lines with the engine's run.
	static void expect_equal(const EngineRun &r, const std::vector<double> &out, const std::vector<double> &grads) {
		ASSERT_EQ(out.size(), r.out.size());
		for (size_t i = 0; i < out.size(); i++) {
			EXPECT_NEAR(r.out[i], out[i], 1e-5 * std::max(1.0, std::fabs(out[i]))) << "output " << i;
		}
		ASSERT_EQ(grads.size(), r.grads.size());
		for (const auto &slot : r.plan.params) {
			for (int64_t i = slot.offset; i < slot.offset + slot.size; i++) {
				auto k = static_cast<size_t>(i);
				EXPECT_NEAR(r.grads[k], grads[k], 1e-5 * std::max(1.0, std::fabs(grads[k])))
				    << slot.name << "[" << i - slot.offset << "]";
			}
		}
	}

	//! The Python lines that compute sum(out * g) + `penalty` (a Python
	//! expression) from h, backpropagate, and report "penalty<label>",
	//! "out<label>" and "grad<label>" (gradients in slot order).
	static std::string finish(const ModelPlan &plan, const std::string &label, const std::string &penalty = "0") {
		std::string s = "penalty = torch.as_tensor(" + penalty + ")\nreport('penalty" + label + "', [penalty])\n";
		s += "out = h.reshape(x.shape[0], -1)\n((out * g).sum() + penalty).backward()\n";
		s += "report('out" + label + "', [out])\nreport('grad" + label + "', [";
		for (const auto &slot : plan.params) {
			s += "w['" + slot.name + "'].grad, ";
		}
		return s + "])\n";
	}

	//! Runs `python` (h from x) and the loss with `penalty` in Python; the
	//! penalty, output and gradients must be the engine's.
	void expect_penalized_equal(const EngineRun &run, const std::string &python, const std::string &penalty) {
		auto results = this->results(as_function(run.script + python + finish(run.plan, "", penalty), 0));
		ASSERT_EQ(results["penalty"].size(), 1u);
		EXPECT_NEAR(run.penalty, results["penalty"][0], 1e-5 * std::max(1.0, run.penalty));
		expect_equal(run, results["out"], results["grad"]);
	}

	//! `body` as a Python function of its own, called at once.
	static std::string as_function(const std::string &body, size_t i) {
		std::string name = "case_" + std::to_string(i);
		std::string out = "def " + name + "():\n    global w\n";
		std::istringstream lines(body);
		for (std::string line; std::getline(lines, line);) {
			out += "    " + line + "\n";
		}
		return out + name + "()\n";
	}
};

} // namespace

TEST_F(LayerInterop, ForwardAndGradientsEqualPyTorch) {
	// One Python process for every case: each is a function of its own.
	auto cases = added_layer_cases();
	std::vector<EngineRun> runs;
	std::string script;
	for (size_t i = 0; i < cases.size(); i++) {
		runs.push_back(run_engine(case_model(cases[i]), 3, 10 + i));
		std::string body = runs.back().script + "h = dense(x, 'pre')\n" + cases[i].python +
		                   "\nh = dense(h.flatten(1), 'post')\n" + finish(runs.back().plan, std::to_string(i));
		script += as_function(body, i);
	}
	auto results = this->results(script);
	for (size_t i = 0; i < cases.size(); i++) {
		SCOPED_TRACE(cases[i].layers);
		expect_equal(runs[i], results["out" + std::to_string(i)], results["grad" + std::to_string(i)]);
	}
}

TEST_F(LayerInterop, RecurrentDropoutMasksAreKerasOnes) {
	// Keras 2 draws the masks once per batch and keeps them over the steps;
	// with recurrent_dropout it masks the inputs and h once per gate
	// (implementation 1). The engine draws them from the Rng in this order:
	// input masks (one per gate, [batch, features]), then state masks (one
	// per gate, [batch, units]); here Python gets the same masks and
	// computes Keras' cell by hand.
	struct Case {
		std::string layer;
		std::string arguments; // besides units, dropouts, return_sequences and name
		int64_t gates;
		std::string cell; // one step: xs/hs are the masked inputs/states per gate
	};
	const std::vector<Case> cases = {
	    {"LSTM", "", 4,
	     "z = [xs[j] @ k[:, j*u:(j+1)*u] + b[j*u:(j+1)*u] + hs[j] @ r[:, j*u:(j+1)*u] for j in range(4)]\n"
	     "c = torch.sigmoid(z[1]) * c + torch.sigmoid(z[0]) * torch.tanh(z[2])\n"
	     "h = torch.sigmoid(z[3]) * torch.tanh(c)\n"},
	    {"GRU", "", 3,
	     "xz = [xs[j] @ k[:, j*u:(j+1)*u] + b[0][j*u:(j+1)*u] for j in range(3)]\n"
	     "hz = [hs[j] @ r[:, j*u:(j+1)*u] + b[1][j*u:(j+1)*u] for j in range(3)]\n"
	     "zg = torch.sigmoid(xz[0] + hz[0]); rg = torch.sigmoid(xz[1] + hz[1])\n"
	     "h = zg * h + (1 - zg) * torch.tanh(xz[2] + rg * hz[2])\n"},
	    {"SimpleRNN", "", 1, "h = torch.tanh(xs[0] @ k + b + hs[0] @ r)\n"},
	    // GRU v1: h's mask of the candidate applies before r scales it.
	    {"GRU", "reset_after=False, ", 3,
	     "xz = [xs[j] @ k[:, j*u:(j+1)*u] + b[j*u:(j+1)*u] for j in range(3)]\n"
	     "zg = torch.sigmoid(xz[0] + hs[0] @ r[:, :u]); rg = torch.sigmoid(xz[1] + hs[1] @ r[:, u:2*u])\n"
	     "h = zg * h + (1 - zg) * torch.tanh(xz[2] + (rg * hs[2]) @ r[:, 2*u:])\n"},
	};
	const int64_t batch = 3, steps = 4, features = 3, units = 5;
	std::string script;
	std::vector<EngineRun> runs;
	for (size_t i = 0; i < cases.size(); i++) {
		const auto &c = cases[i];
		std::string text = "model = keras.Sequential([keras.Input(shape=(4, 3)), layers." + c.layer + "(5, " +
		                   c.arguments + "dropout=0.3, recurrent_dropout=0.4, return_sequences=True, name='m')])\n";
		const uint64_t seed = 40 + i;
		runs.push_back(run_engine(text, batch, seed));
		// The engine's draws: the Rng of forward_train (seed + 1), masks in the documented order.
		Rng draws(seed + 1);
		std::string body = runs.back().script + "k, r, b = w['m/kernel'], w['m/recurrent_kernel'], w['m/bias']\n";
		body += "u = " + std::to_string(units) + "\nmx, mh = [], []\n";
		for (int64_t g = 0; g < c.gates; g++) {
			std::vector<float> mask(static_cast<size_t>(batch * features));
			fill_dropout_mask(draws, mask.data(), static_cast<int64_t>(mask.size()), 0.3f);
			body += "mx.append(" + floats(mask.data(), static_cast<int64_t>(mask.size())) + ".reshape(3, 3))\n";
		}
		for (int64_t g = 0; g < c.gates; g++) {
			std::vector<float> mask(static_cast<size_t>(batch * units));
			fill_dropout_mask(draws, mask.data(), static_cast<int64_t>(mask.size()), 0.4f);
			body += "mh.append(" + floats(mask.data(), static_cast<int64_t>(mask.size())) + ".reshape(3, 5))\n";
		}
		body += "h = torch.zeros(3, u); c = torch.zeros(3, u); seq = []\n"
		        "for t in range(" +
		        std::to_string(steps) +
		        "):\n"
		        "    xs = [x[:, t] * m for m in mx]; hs = [h * m for m in mh]\n";
		std::istringstream cell(c.cell);
		for (std::string line; std::getline(cell, line);) {
			body += "    " + line + "\n";
		}
		body += "    seq.append(h)\nh = torch.stack(seq, 1)\n" + finish(runs.back().plan, std::to_string(i));
		script += as_function(body, i);
	}
	auto results = this->results(script);
	for (size_t i = 0; i < cases.size(); i++) {
		SCOPED_TRACE(cases[i].layer);
		expect_equal(runs[i], results["out" + std::to_string(i)], results["grad" + std::to_string(i)]);
	}
}

TEST_F(LayerInterop, RegularizersAddTheirPenaltiesToTheLossAndGradients) {
	// Keras 2: l1 sum |w| + l2 sum w^2 per regularized weight; the activity
	// regularizer on the layer's output, divided by the batch size.
	const std::string text =
	    "model = keras.Sequential([keras.Input(shape=(4, 3)),\n"
	    "    layers.SimpleRNN(5, return_sequences=True, kernel_regularizer=regularizers.l1_l2(0.01, 0.02),\n"
	    "                     recurrent_regularizer='l2', bias_regularizer=regularizers.l1(0.03), name='r'),\n"
	    "    layers.Reshape((4, 5, 1)),\n"
	    "    layers.SeparableConv2D(2, 2, depthwise_regularizer=regularizers.l2(0.05),\n"
	    "                           pointwise_regularizer=regularizers.l1(0.04), name='s'),\n"
	    "    layers.Flatten(),\n"
	    "    layers.Dense(3, activity_regularizer=regularizers.l1_l2(0.1, 0.2), name='d')])\n";
	auto run = run_engine(text, 4, 7);
	EXPECT_GT(run.penalty, 0.1);
	expect_penalized_equal(
	    run,
	    "h = rnn('rnn', x, 'r', True).reshape(-1, 4, 5, 1)\n"
	    "h = cl(F.conv2d(F.conv2d(cf(h), depthwise('s'), groups=1), conv_weight('s/pointwise_kernel'), "
	    "w['s/bias']))\n"
	    "h = dense(h.flatten(1), 'd')\n",
	    "0.01 * w['r/kernel'].abs().sum() + 0.02 * w['r/kernel'].square().sum()"
	    " + 0.01 * w['r/recurrent_kernel'].square().sum() + 0.03 * w['r/bias'].abs().sum()"
	    " + 0.05 * w['s/depthwise_kernel'].square().sum() + 0.04 * w['s/pointwise_kernel'].abs().sum()"
	    " + (0.1 * h.abs().sum() + 0.2 * h.square().sum()) / x.shape[0]");
}

TEST_F(LayerInterop, ActivityRegularizersOfWrappedLayersApplyToEachDirection) {
	const std::string text =
	    "model = keras.Sequential([keras.Input(shape=(5, 2)),\n"
	    "    layers.Bidirectional(layers.SimpleRNN(3, activity_regularizer=regularizers.l2(0.3)),\n"
	    "                         merge_mode='sum', name='b'),\n"
	    "    layers.Dense(2, name='d')])\n";
	auto run = run_engine(text, 4, 9);
	expect_penalized_equal(run,
	                       "f = rnn('rnn', x, 'b/forward_simple_rnn', False)\n"
	                       "r = rnn('rnn', x, 'b/backward_simple_rnn', False, True)\n"
	                       "h = dense(f + r, 'd')\n",
	                       "0.3 * (f.square().sum() + r.square().sum()) / x.shape[0]");
}
