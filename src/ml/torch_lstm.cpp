#include "ml/torch_lstm.h"

namespace kafkaml::ml {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

//! One time step on preallocated buffers: gates `z` [batch, 4 units] get
//! projected_t + h_prev R, activated in place; then the new cell and hidden
//! states and tanh of the cell. `cell` may be `cell_prev` and `h` may be
//! `h_prev` (each is read before it is written), which is how prediction
//! keeps one step's state only.
void lstm_step(const torch::Tensor &projected_t, const torch::Tensor &recurrent_kernel, const torch::Tensor &h_prev,
               const torch::Tensor &cell_prev, torch::Tensor &z, torch::Tensor &cell, torch::Tensor &t_cell,
               torch::Tensor &h) {
	const int64_t units = recurrent_kernel.size(0);
	// BLAS accumulates onto the copied projection instead of two more
	// passes over the gates.
	torch::addmm_out(z, projected_t, h_prev, recurrent_kernel);
	auto i = z.narrow(1, 0, units);
	auto f = z.narrow(1, units, units);
	auto cand = z.narrow(1, 2 * units, units);
	auto o = z.narrow(1, 3 * units, units);
	z.narrow(1, 0, 2 * units).sigmoid_();
	cand.tanh_();
	o.sigmoid_();
	torch::mul_out(cell, f, cell_prev);
	cell.addcmul_(i, cand);
	torch::tanh_out(t_cell, cell);
	torch::mul_out(h, o, t_cell);
}

//! Forward keeps, per step, the activated gates [steps, batch, 4 units],
//! the cell states and hidden states [steps + 1, batch, units] (index 0 is
//! the zero initial state) and tanh of each cell state.
class LstmFunction : public torch::autograd::Function<LstmFunction> {
public:
	static variable_list forward(AutogradContext *ctx, const torch::Tensor &x, const torch::Tensor &kernel,
	                             const torch::Tensor &recurrent_kernel, const torch::Tensor &bias,
	                             bool return_sequences) {
		const int64_t batch = x.size(0), steps = x.size(1), inputs = x.size(2);
		const int64_t units = recurrent_kernel.size(0), width = 4 * units;
		auto xc = x.contiguous();
		// Every step's input projection, bias included, in one product:
		// [batch * steps, 4 units].
		auto projected = torch::addmm(bias, xc.reshape({batch * steps, inputs}), kernel).contiguous();
		auto gates = torch::empty({steps, batch, width});
		auto cells = torch::zeros({steps + 1, batch, units});
		auto hidden = torch::zeros({steps + 1, batch, units});
		auto tanh_cells = torch::empty({steps, batch, units});
		auto projected3 = projected.view({batch, steps, width});
		// Per step a handful of vectorised kernels on preallocated buffers
		// (autograd is off inside forward): the gates' sigmoid and tanh are
		// most of the work and run on libtorch's SIMD kernels.
		for (int64_t t = 0; t < steps; t++) {
			auto z = gates[t];
			auto cell = cells[t + 1];
			auto t_cell = tanh_cells[t];
			auto h = hidden[t + 1];
			lstm_step(projected3.select(1, t), recurrent_kernel, hidden[t], cells[t], z, cell, t_cell, h);
		}
		ctx->save_for_backward({xc, kernel, recurrent_kernel});
		ctx->saved_data["gates"] = gates;
		ctx->saved_data["cells"] = cells;
		ctx->saved_data["hidden"] = hidden;
		ctx->saved_data["tanh_cells"] = tanh_cells;
		ctx->saved_data["return_sequences"] = return_sequences;
		if (return_sequences) {
			return {hidden.slice(0, 1).transpose(0, 1).contiguous()};
		}
		return {hidden[steps].clone()};
	}

	static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
		auto saved = ctx->get_saved_variables();
		const auto &x = saved[0];
		const auto &kernel = saved[1];
		const auto &recurrent_kernel = saved[2];
		auto gates = ctx->saved_data["gates"].toTensor();
		auto cells = ctx->saved_data["cells"].toTensor();
		auto hidden = ctx->saved_data["hidden"].toTensor();
		auto tanh_cells = ctx->saved_data["tanh_cells"].toTensor();
		bool return_sequences = ctx->saved_data["return_sequences"].toBool();
		const int64_t batch = x.size(0), steps = x.size(1), inputs = x.size(2);
		const int64_t units = recurrent_kernel.size(0), width = 4 * units;
		auto grad = grad_outputs[0].contiguous();
		const float *dy = grad.data_ptr<float>();

		auto d_projected = torch::empty({batch, steps, width});
		auto d_recurrent_kernel = torch::zeros_like(recurrent_kernel);
		auto dz = torch::empty({batch, width});
		auto dh_next = torch::zeros({batch, units});
		auto dc_next = torch::zeros({batch, units});
		float *dzp = dz.data_ptr<float>();
		float *dhn = dh_next.data_ptr<float>();
		float *dcn = dc_next.data_ptr<float>();
		float *dp = d_projected.data_ptr<float>();
		for (int64_t t = steps - 1; t >= 0; t--) {
			const float *g = gates[t].data_ptr<float>();
			const float *c_prev = cells[t].data_ptr<float>();
			const float *tc = tanh_cells[t].data_ptr<float>();
			for (int64_t n = 0; n < batch; n++) {
				const float *gn = g + n * width;
				float *dzn = dzp + n * width;
				float *dpn = dp + (n * steps + t) * width;
				for (int64_t u = 0; u < units; u++) {
					size_t k = static_cast<size_t>(n * units + u);
					float from_output = 0.0f;
					if (return_sequences) {
						from_output = dy[(n * steps + t) * units + u];
					} else if (t == steps - 1) {
						from_output = dy[k];
					}
					float dh = from_output + dhn[k];
					float i = gn[u], f = gn[units + u], cand = gn[2 * units + u], o = gn[3 * units + u];
					float t_cell = tc[k];
					float dc = dh * o * (1.0f - t_cell * t_cell) + dcn[k];
					dzn[u] = dc * cand * i * (1.0f - i);
					dzn[units + u] = dc * c_prev[k] * f * (1.0f - f);
					dzn[2 * units + u] = dc * i * (1.0f - cand * cand);
					dzn[3 * units + u] = dh * t_cell * o * (1.0f - o);
					dcn[k] = dc * f;
				}
				std::copy(dzn, dzn + width, dpn);
			}
			// dR += h_{t-1}^T dz; dh_{t-1} = dz R^T
			d_recurrent_kernel.addmm_(hidden[t].t(), dz);
			torch::mm_out(dh_next, dz, recurrent_kernel.t());
			dhn = dh_next.data_ptr<float>();
		}
		auto flat_dp = d_projected.view({batch * steps, width});
		auto flat_x = x.reshape({batch * steps, inputs});
		auto d_kernel = torch::mm(flat_x.t(), flat_dp);
		auto d_bias = flat_dp.sum(0);
		auto dx = torch::mm(flat_dp, kernel.t()).view({batch, steps, inputs});
		return {dx, d_kernel, d_recurrent_kernel, d_bias, torch::Tensor()};
	}
};

//! Forward alone, for prediction: nothing is kept for backward, so the
//! gates and states of one step live in small buffers that stay in cache
//! instead of the [steps, batch, 4 units] history training needs.
torch::Tensor lstm_forward_only(const torch::Tensor &x, const torch::Tensor &kernel,
                                const torch::Tensor &recurrent_kernel, const torch::Tensor &bias,
                                bool return_sequences) {
	const int64_t batch = x.size(0), steps = x.size(1), inputs = x.size(2);
	const int64_t units = recurrent_kernel.size(0), width = 4 * units;
	auto projected =
	    torch::addmm(bias, x.contiguous().reshape({batch * steps, inputs}), kernel).view({batch, steps, width});
	auto z = torch::empty({batch, width});
	auto cell = torch::zeros({batch, units});
	auto hidden = torch::zeros({batch, units});
	auto t_cell = torch::empty({batch, units});
	torch::Tensor sequence;
	if (return_sequences) {
		sequence = torch::empty({batch, steps, units});
	}
	for (int64_t t = 0; t < steps; t++) {
		lstm_step(projected.select(1, t), recurrent_kernel, hidden, cell, z, cell, t_cell, hidden);
		if (return_sequences) {
			sequence.select(1, t).copy_(hidden);
		}
	}
	return return_sequences ? sequence : hidden;
}

} // namespace

torch::Tensor lstm_sequence(const torch::Tensor &x, const torch::Tensor &kernel, const torch::Tensor &recurrent_kernel,
                            const torch::Tensor &bias, bool return_sequences) {
	auto b = bias.defined() ? bias : torch::zeros({kernel.size(1)});
	if (!torch::GradMode::is_enabled()) {
		return lstm_forward_only(x, kernel, recurrent_kernel, b, return_sequences);
	}
	return LstmFunction::apply(x, kernel, recurrent_kernel, b, return_sequences)[0];
}

} // namespace kafkaml::ml
