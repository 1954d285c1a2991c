#include "ml/model_impl.h"
#include "ml/torch_engine.h"

#include <torch/script.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <sstream>
#include <stdexcept>

// TorchScript as a model definition, and the PyTorch export. An uploaded
// module (torch.jit.save bytes) is trained like any model: its parameters
// are re-pointed (set_data) into the model's flat buffer so the shared Keras
// optimizer updates them, and the loss/metrics come from numerics.cpp.

namespace kafkaml::ml {

namespace {

class ScriptExecutor final : public Executor {
public:
	ScriptExecutor(torch::jit::Module module, const ModelPlan &plan, float *params)
	    : module_(std::move(module)), plan_(plan) {
		size_t i = 0;
		for (const auto &p : module_.parameters(true)) {
			const auto &slot = plan.params[i++];
			auto view = torch::from_blob(params + slot.offset, p.sizes());
			torch::NoGradGuard no_grad;
			view.copy_(p);
			auto param = p;
			param.set_data(view);
			params_.push_back(param);
		}
	}

	void forward_train(const float *x, int64_t batch, Rng &, float *out) override {
		module_.train(true);
		output_ = run(x, batch);
		auto flat = output_.detach().contiguous();
		std::memcpy(out, flat.data_ptr<float>(), sizeof(float) * static_cast<size_t>(flat.numel()));
	}

	void backward(const float *dout, float *grads) override {
		for (auto &p : params_) {
			p.mutable_grad().reset();
		}
		output_.backward(torch::from_blob(const_cast<float *>(dout), output_.sizes()));
		output_ = torch::Tensor();
		for (size_t i = 0; i < params_.size(); i++) {
			const auto &slot = plan_.params[i];
			const auto &g = params_[i].grad();
			if (!g.defined()) {
				std::fill(grads + slot.offset, grads + slot.offset + slot.size, 0.0f);
				continue;
			}
			auto gc = g.contiguous();
			std::memcpy(grads + slot.offset, gc.data_ptr<float>(), sizeof(float) * static_cast<size_t>(slot.size));
		}
	}

	void predict(const float *x, int64_t batch, float *out) override {
		torch::NoGradGuard no_grad;
		module_.train(false);
		auto y = run(x, batch).contiguous();
		std::memcpy(out, y.data_ptr<float>(), sizeof(float) * static_cast<size_t>(y.numel()));
	}

	std::string save() {
		std::ostringstream out;
		module_.save(out);
		return out.str();
	}

	torch::Tensor run(const float *x, int64_t batch) {
		std::vector<int64_t> dims{batch};
		dims.insert(dims.end(), plan_.input_shape.begin(), plan_.input_shape.end());
		auto input = torch::from_blob(const_cast<float *>(x), dims);
		auto result = module_.forward({input});
		if (!result.isTensor()) {
			throw std::invalid_argument("the TorchScript module's forward must return one tensor");
		}
		auto y = result.toTensor().to(torch::kFloat);
		return y.reshape({batch, -1});
	}

private:
	torch::jit::Module module_;
	const ModelPlan &plan_;
	std::vector<torch::Tensor> params_;
	torch::Tensor output_;
};

} // namespace

namespace {

torch::jit::Module load_module(std::string_view module_bytes) {
	try {
		std::istringstream in{std::string(module_bytes)};
		return torch::jit::load(in);
	} catch (const c10::Error &e) {
		throw std::invalid_argument(std::string("not a TorchScript module (expected the bytes of torch.jit.save): ") +
		                            e.what_without_backtrace());
	}
}

} // namespace

int64_t torch_engine::check_torchscript(std::string_view module_bytes) {
	auto module = load_module(module_bytes);
	if (!module.find_method("forward")) {
		throw std::invalid_argument("the TorchScript module has no forward method");
	}
	int64_t count = 0;
	for (const auto &p : module.parameters(true)) {
		if (p.scalar_type() != torch::kFloat32) {
			throw std::invalid_argument("the TorchScript module's parameters must be float32 (found " +
			                            std::string(c10::toString(p.scalar_type())) + "); save it after model.float()");
		}
		count += p.numel();
	}
	return count;
}

std::unique_ptr<Model::Impl> torch_engine::load_torchscript(std::string_view module_bytes, const CompileSpec &compile,
                                                            Shape input_shape, uint64_t seed) {
	torch::jit::Module module = load_module(module_bytes);
	torch::manual_seed(seed);
	torch_engine::set_threads(1);
	auto m = std::make_unique<Model::Impl>();
	m->torchscript = true;
	m->spec.name = "torchscript";
	m->spec.compile = compile;
	m->spec.compile.present = true;
	m->plan.input_shape = input_shape;
	m->plan.inputs = {input_shape};
	for (const auto &p : module.named_parameters(true)) {
		ParamSlot slot;
		slot.name = p.name;
		slot.shape = Shape(p.value.sizes().begin(), p.value.sizes().end());
		slot.size = p.value.numel();
		slot.offset = m->plan.trainable_count;
		m->plan.trainable_count += slot.size;
		m->plan.params.push_back(std::move(slot));
	}
	m->params.resize(static_cast<size_t>(m->plan.trainable_count));
	m->grads.resize(m->params.size());
	m->rng = Rng(seed);
	auto executor = std::make_unique<ScriptExecutor>(std::move(module), m->plan, m->params.data());
	// The output shape is whatever forward returns for one zero sample.
	{
		torch::NoGradGuard no_grad;
		std::vector<float> zero(static_cast<size_t>(shape_size(input_shape)));
		try {
			auto y = executor->run(zero.data(), 1);
			m->plan.output_shape = {y.size(1)};
			m->plan.outputs = {m->plan.output_shape};
		} catch (const c10::Error &e) {
			throw std::invalid_argument("the TorchScript module does not accept inputs of shape " +
			                            shape_to_string(input_shape) + ": " + e.what_without_backtrace());
		}
	}
	auto *raw = executor.get();
	m->save_module = [raw] { return raw->save(); };
	m->executor = std::move(executor);
	m->path = ExecutionPath::General;
	resolve_loss(m->spec.compile.loss);
	return m;
}

std::string torch_engine::pickle_weights(const Model::Impl &impl, const std::string &spec_json) {
	c10::Dict<std::string, at::Tensor> weights;
	auto add = [&](const std::vector<ParamSlot> &slots, const std::vector<float> &values) {
		for (const auto &slot : slots) {
			std::vector<int64_t> dims(slot.shape.begin(), slot.shape.end());
			auto t = torch::from_blob(const_cast<float *>(values.data()) + slot.offset, dims).clone();
			weights.insert(slot.name, t);
		}
	};
	add(impl.plan.params, impl.params);
	add(impl.plan.states, impl.states);
	c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
	root.insert("format", "kafkaml-keras-weights-v1");
	root.insert("spec", spec_json);
	root.insert("weights", weights);
	auto bytes = torch::pickle_save(c10::IValue(root));
	return std::string(bytes.begin(), bytes.end());
}

} // namespace kafkaml::ml
