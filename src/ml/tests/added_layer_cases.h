#pragma once

// One small model per layer kind of plan_layers.cpp / torch_layers.cpp:
// an Input, a Dense "pre" (so gradients flow back through the layer), the
// layer(s) under test, then Flatten and a Dense "post". The engine test
// checks each against the spec's summary (Keras' shapes and counts); the
// interop test checks forward and gradients against the `python` lines, the
// same computation written with PyTorch's own operators (`h` in and out,
// `w` the weights by slot name, helpers from the interop test's prelude).

#include "ml/spec/model_spec.h"

#include <string>
#include <vector>

namespace kafkaml::ml::testing {

struct LayerCase {
	Shape input;
	std::string layers; //!< Keras calls, comma-separated
	std::string python; //!< PyTorch lines computing the layers on `h`
};

inline std::string shape_tuple(const Shape &shape) {
	std::string out = "(";
	for (auto d : shape) {
		out += std::to_string(d) + ", ";
	}
	return out + ")";
}

inline std::string case_model(const LayerCase &c) {
	return "model = keras.Sequential([keras.Input(shape=" + shape_tuple(c.input) + "), layers.Dense(" +
	       std::to_string(c.input.back()) + ", name='pre'), " + c.layers +
	       ", layers.Flatten(), layers.Dense(2, name='post')])\n"
	       "model.compile(optimizer='sgd', loss='mse')\n";
}

inline std::vector<LayerCase> added_layer_cases() {
	return {
	    // Activation layers.
	    {{5},
	     "layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2, name='m')",
	     "h = torch.where(h > 0.2, h.clamp(max=1.0), 0.1 * (h - 0.2))"},
	    {{5}, "layers.ReLU(name='m')", "h = F.relu(h)"},
	    {{5}, "layers.LeakyReLU(alpha=0.2, name='m')", "h = F.leaky_relu(h, 0.2)"},
	    {{4, 3}, "layers.PReLU(shared_axes=[1], name='m')", "h = torch.where(h > 0, h, w['m/alpha'] * h)"},
	    {{4, 3}, "layers.PReLU(name='m')", "h = torch.where(h > 0, h, w['m/alpha'] * h)"},
	    {{5}, "layers.ELU(alpha=0.5, name='m')", "h = F.elu(h, 0.5)"},
	    {{4, 3}, "layers.Softmax(axis=1, name='m')", "h = torch.softmax(h, 1)"},
	    {{4, 3}, "layers.Softmax(name='m')", "h = torch.softmax(h, -1)"},
	    // Scaling and normalisation.
	    {{5}, "layers.Rescaling(1.0 / 4, offset=-1.0, name='m')", "h = h / 4 - 1"},
	    {{3},
	     "layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0], name='m')",
	     "h = (h - torch.tensor([1.0, 2.0, 3.0])) / torch.tensor([1.0, 2.0, 3.0])"},
	    {{4, 3},
	     "layers.Normalization(axis=1, mean=[0.5, 0.0, 1.0, 2.0], variance=[4.0, 1.0, 2.0, 0.25], name='m')",
	     "h = (h - torch.tensor([[0.5], [0.0], [1.0], [2.0]])) / torch.tensor([[4.0], [1.0], [2.0], [0.25]]).sqrt()"},
	    {{4, 3}, "layers.LayerNormalization(name='m')", "h = F.layer_norm(h, (3,), w['m/gamma'], w['m/beta'], 1e-3)"},
	    {{4, 3},
	     "layers.LayerNormalization(axis=[1, 2], epsilon=0.01, name='m')",
	     "h = F.layer_norm(h, (4, 3), w['m/gamma'], w['m/beta'], 0.01)"},
	    {{4, 3},
	     "layers.LayerNormalization(axis=1, center=False, name='m')",
	     "h = F.layer_norm(h.transpose(1, 2), (4,), w['m/gamma'], None, 1e-3).transpose(1, 2)"},
	    // Shapes.
	    {{5}, "layers.RepeatVector(3, name='m')", "h = h.unsqueeze(1).repeat(1, 3, 1)"},
	    {{2, 3, 4}, "layers.Permute((3, 1, 2), name='m')", "h = h.permute(0, 3, 1, 2)"},
	    {{6, 2}, "layers.ZeroPadding1D(2, name='m')", "h = F.pad(h, (0, 0, 2, 2))"},
	    {{4, 5, 2}, "layers.ZeroPadding2D(((1, 0), (2, 1)), name='m')", "h = F.pad(h, (0, 0, 2, 1, 1, 0))"},
	    {{6, 2}, "layers.Cropping1D((1, 2), name='m')", "h = h[:, 1:-2]"},
	    {{6, 7, 2}, "layers.Cropping2D(((1, 1), (2, 0)), name='m')", "h = h[:, 1:-1, 2:]"},
	    {{3, 2}, "layers.UpSampling1D(3, name='m')", "h = h.repeat_interleave(3, 1)"},
	    {{3, 4, 2},
	     "layers.UpSampling2D((2, 3), name='m')",
	     "h = cl(F.interpolate(cf(h), scale_factor=(2, 3), mode='nearest'))"},
	    {{3, 4, 2},
	     "layers.UpSampling2D(interpolation='bilinear', name='m')",
	     "h = cl(F.interpolate(cf(h), scale_factor=(2, 2), mode='bilinear', align_corners=False))"},
	    // Recurrent.
	    {{6, 3}, "layers.SimpleRNN(4, name='m')", "h = rnn('rnn', h, 'm', False)"},
	    {{6, 3},
	     "layers.SimpleRNN(4, activation='relu', return_sequences=True, name='m')",
	     "h = rnn('rnn', h, 'm', True, nonlinearity='relu')"},
	    {{6, 3}, "layers.LSTM(4, return_sequences=True, name='m')", "h = rnn('lstm', h, 'm', True)"},
	    {{6, 3}, "layers.GRU(4, name='m')", "h = rnn('gru', h, 'm', False)"},
	    {{6, 3}, "layers.GRU(4, reset_after=False, name='m')", "h = gru_v1(h, 'm', False)"},
	    {{6, 3}, "layers.GRU(4, reset_after=False, return_sequences=True, name='m')", "h = gru_v1(h, 'm', True)"},
	    {{6, 3},
	     "layers.Bidirectional(layers.LSTM(4, return_sequences=True), name='m')",
	     "h = torch.cat([rnn('lstm', h, 'm/forward_lstm', True), rnn('lstm', h, 'm/backward_lstm', True, True)], -1)"},
	    {{6, 3},
	     "layers.Bidirectional(layers.GRU(4), merge_mode='sum', name='m')",
	     "h = rnn('gru', h, 'm/forward_gru', False) + rnn('gru', h, 'm/backward_gru', False, True)"},
	    {{6, 3},
	     "layers.Bidirectional(layers.SimpleRNN(4, return_sequences=True), merge_mode='ave', name='m')",
	     "h = (rnn('rnn', h, 'm/forward_simple_rnn', True) + rnn('rnn', h, 'm/backward_simple_rnn', True, True)) / 2"},
	    {{6, 3},
	     "layers.Bidirectional(layers.LSTM(4), merge_mode='mul', name='m')",
	     "h = rnn('lstm', h, 'm/forward_lstm', False) * rnn('lstm', h, 'm/backward_lstm', False, True)"},
	    {{5, 3}, "layers.TimeDistributed(layers.Dense(2, name='d'), name='m')", "h = dense(h, 'm/d')"},
	    {{3, 5, 5, 1},
	     "layers.TimeDistributed(layers.Conv2D(2, 3, activation='tanh', name='c'), name='m')",
	     "h = torch.tanh(cl(F.conv2d(cf(h.flatten(0, 1)), conv_weight('m/c/kernel'), w['m/c/bias']))).unflatten(0, "
	     "(-1, 3))"},
	    // Convolutions and pooling.
	    {{10, 2},
	     "layers.Conv1D(3, 3, padding='causal', dilation_rate=2, name='m')",
	     "h = cl(F.conv1d(F.pad(cf(h), (4, 0)), conv_weight('m/kernel'), w['m/bias'], dilation=2))"},
	    {{4, 4, 2},
	     "layers.Conv2DTranspose(3, 3, strides=2, padding='same', name='m')",
	     "h = cl(F.conv_transpose2d(cf(h), w['m/kernel'].permute(3, 2, 0, 1), stride=2)[:, :, :8, :8]) + w['m/bias']"},
	    {{4, 4, 2},
	     "layers.Conv2DTranspose(3, 3, strides=2, name='m')",
	     "h = cl(F.conv_transpose2d(cf(h), w['m/kernel'].permute(3, 2, 0, 1), w['m/bias'], stride=2))"},
	    {{4, 4, 2},
	     "layers.Conv2DTranspose(3, (3, 2), strides=(2, 3), padding='same', output_padding=1, activation='relu', "
	     "name='m')",
	     // Keras: rows (4-1)*2+3-2+1 = 8, offset 0; columns (4-1)*3+2-2+1 = 10, offset 0; torch's full output
	     // is 9 x 11: take the first 8 and 10.
	     "h = F.relu(cl(F.conv_transpose2d(cf(h), w['m/kernel'].permute(3, 2, 0, 1), stride=(2, 3))[:, :, :8, :10]) "
	     "+ w['m/bias'])"},
	    {{7, 3},
	     "layers.SeparableConv1D(4, 3, depth_multiplier=2, name='m')",
	     "h = cl(F.conv1d(F.conv1d(cf(h), depthwise('m'), groups=3), conv_weight('m/pointwise_kernel'), "
	     "w['m/bias']))"},
	    {{6, 6, 3},
	     "layers.SeparableConv2D(4, 3, padding='same', name='m')",
	     "h = cl(F.conv2d(F.conv2d(cf(h), depthwise('m'), padding=1, groups=3), conv_weight('m/pointwise_kernel'), "
	     "w['m/bias']))"},
	    {{6, 6, 3},
	     "layers.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding='same', name='m')",
	     // Keras' "same" for 6 with kernel 3, stride 2: 1 row of padding, at the end.
	     "h = cl(F.conv2d(F.pad(cf(h), (0, 1, 0, 1)), depthwise('m'), w['m/bias'], stride=2, groups=3))"},
	    {{5, 5, 5, 2},
	     "layers.Conv3D(3, 2, activation='sigmoid', name='m')",
	     "h = torch.sigmoid(cl(F.conv3d(cf(h), conv_weight('m/kernel'), w['m/bias'])))"},
	    {{5, 5, 5, 2},
	     "layers.Conv3D(3, (3, 1, 2), padding='same', name='m')",
	     "h = cl(F.conv3d(F.pad(cf(h), (0, 1, 0, 0, 1, 1)), conv_weight('m/kernel'), w['m/bias']))"},
	    {{4, 4, 4, 2}, "layers.MaxPooling3D(2, name='m')", "h = cl(F.max_pool3d(cf(h), 2))"},
	    {{5, 5, 5, 2},
	     "layers.AveragePooling3D(2, padding='same', name='m')",
	     "h = cl(F.avg_pool3d(F.pad(cf(h), (0, 1, 0, 1, 0, 1)), 2, divisor_override=1) / "
	     "F.avg_pool3d(F.pad(torch.ones(1, 1, 5, 5, 5), (0, 1, 0, 1, 0, 1)), 2, divisor_override=1))"},
	    {{3, 3, 3, 2}, "layers.GlobalAveragePooling3D(name='m')", "h = h.mean((1, 2, 3))"},
	    {{3, 3, 3, 2}, "layers.GlobalMaxPooling3D(name='m')", "h = h.amax((1, 2, 3))"},
	    // Image layers that are not random (tf.image.resize: half-pixel centres, no antialiasing).
	    {{5, 6, 2},
	     "layers.Resizing(3, 4, name='m')",
	     "h = cl(F.interpolate(cf(h), size=(3, 4), mode='bilinear', align_corners=False))"},
	    {{4, 4, 2},
	     "layers.Resizing(6, 3, interpolation='nearest', name='m')",
	     "h = cl(F.interpolate(cf(h), size=(6, 3), mode='nearest-exact'))"},
	    {{6, 8, 2},
	     "layers.Resizing(4, 4, crop_to_aspect_ratio=True, name='m')",
	     "h = cl(F.interpolate(cf(h[:, :, 1:7]), size=(4, 4), mode='bilinear', align_corners=False))"},
	    {{6, 7, 2}, "layers.CenterCrop(4, 4, name='m')", "h = h[:, 1:5, 1:5]"},
	    {{3, 4, 2},
	     "layers.CenterCrop(4, 4, name='m')",
	     "h = cl(F.interpolate(cf(h[:, :, 0:3]), size=(4, 4), mode='bilinear', align_corners=False))"},
	};
}

} // namespace kafkaml::ml::testing
