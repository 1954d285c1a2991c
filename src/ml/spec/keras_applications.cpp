#include "ml/spec/keras_applications.h"

#include "ml/spec/keras_namespace.h"
#include "ml/spec/parse.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace kafkaml::ml::spec {

namespace {

// The architectures, from their published descriptions: layer sequence,
// sizes and names. Each source sees `include_top`, `input_shape` (a tuple
// or None), `input_tensor`, `pooling`, `classes`, `classifier_activation`
// (and `alpha` for MobileNetV2) and leaves the model in `model`.

constexpr std::string_view kCommon = R"(
def make_input():
    if input_tensor is not None:
        return input_tensor
    return keras.Input(shape=input_shape)

def classifier_or_pooling(x, top):
    if include_top:
        return top(x)
    if pooling == 'avg':
        return layers.GlobalAveragePooling2D()(x)
    if pooling == 'max':
        return layers.GlobalMaxPooling2D()(x)
    return x
)";

constexpr std::string_view kVgg = R"(
def vgg_top(x):
    x = layers.Flatten(name='flatten')(x)
    x = layers.Dense(4096, activation='relu', name='fc1')(x)
    x = layers.Dense(4096, activation='relu', name='fc2')(x)
    return layers.Dense(classes, activation=classifier_activation, name='predictions')(x)

image = make_input()
x = image
for block, (filters, convs) in enumerate(zip([64, 128, 256, 512, 512], convs_per_block), start=1):
    for conv in range(1, convs + 1):
        x = layers.Conv2D(filters, (3, 3), activation='relu', padding='same', name=f'block{block}_conv{conv}')(x)
    x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f'block{block}_pool')(x)
x = classifier_or_pooling(x, vgg_top)
model = keras.Model(image, x, name=model_name)
)";

constexpr std::string_view kResNet50 = R"(
def bottleneck(x, filters, stride, projection, name):
    if projection:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + '_0_conv')(x)
        shortcut = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + '_0_bn')(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + '_1_conv')(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + '_1_bn')(x)
    x = layers.Activation('relu', name=name + '_1_relu')(x)
    x = layers.Conv2D(filters, 3, padding='same', name=name + '_2_conv')(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + '_2_bn')(x)
    x = layers.Activation('relu', name=name + '_2_relu')(x)
    x = layers.Conv2D(4 * filters, 1, name=name + '_3_conv')(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + '_3_bn')(x)
    x = layers.Add(name=name + '_add')([shortcut, x])
    return layers.Activation('relu', name=name + '_out')(x)

def stage(x, filters, blocks, first_stride, name):
    x = bottleneck(x, filters, first_stride, True, name + '_block1')
    for index in range(2, blocks + 1):
        x = bottleneck(x, filters, 1, False, name + '_block' + str(index))
    return x

def resnet_top(x):
    x = layers.GlobalAveragePooling2D(name='avg_pool')(x)
    return layers.Dense(classes, activation=classifier_activation, name='predictions')(x)

image = make_input()
x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name='conv1_pad')(image)
x = layers.Conv2D(64, 7, strides=2, name='conv1_conv')(x)
x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name='conv1_bn')(x)
x = layers.Activation('relu', name='conv1_relu')(x)
x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name='pool1_pad')(x)
x = layers.MaxPooling2D(3, strides=2, name='pool1_pool')(x)
x = stage(x, 64, 3, 1, 'conv2')
x = stage(x, 128, 4, 2, 'conv3')
x = stage(x, 256, 6, 2, 'conv4')
x = stage(x, 512, 3, 2, 'conv5')
if include_top:
    x = resnet_top(x)
elif pooling == 'avg':
    x = layers.GlobalAveragePooling2D(name='avg_pool')(x)
elif pooling == 'max':
    x = layers.GlobalMaxPooling2D(name='max_pool')(x)
model = keras.Model(image, x, name='resnet50')
)";

constexpr std::string_view kMobileNetV2 = R"(
def divisible(value, divisor=8):
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded

def pad_for_stride(x):
    rows, cols = x.shape[1], x.shape[2]
    adjust_rows = 1 if rows is None else 1 - rows % 2
    adjust_cols = 1 if cols is None else 1 - cols % 2
    return ((1 - adjust_rows, 1), (1 - adjust_cols, 1))

def inverted_residual(inputs, expansion, stride, filters, block_id):
    channels = inputs.shape[-1]
    pointwise = divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f'block_{block_id}_'
    if block_id:
        x = layers.Conv2D(expansion * channels, 1, padding='same', use_bias=False, name=prefix + 'expand')(x)
        x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + 'expand_BN')(x)
        x = layers.ReLU(6.0, name=prefix + 'expand_relu')(x)
    else:
        prefix = 'expanded_conv_'
    if stride == 2:
        x = layers.ZeroPadding2D(padding=pad_for_stride(x), name=prefix + 'pad')(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False, padding='same' if stride == 1 else 'valid',
                               name=prefix + 'depthwise')(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + 'depthwise_BN')(x)
    x = layers.ReLU(6.0, name=prefix + 'depthwise_relu')(x)
    x = layers.Conv2D(pointwise, 1, padding='same', use_bias=False, name=prefix + 'project')(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + 'project_BN')(x)
    if channels == pointwise and stride == 1:
        return layers.Add(name=prefix + 'add')([inputs, x])
    return x

def mobilenet_top(x):
    x = layers.GlobalAveragePooling2D()(x)
    return layers.Dense(classes, activation=classifier_activation, name='predictions')(x)

image = make_input()
x = layers.Conv2D(divisible(32 * alpha, 8), 3, strides=(2, 2), padding='same', use_bias=False, name='Conv1')(image)
x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name='bn_Conv1')(x)
x = layers.ReLU(6.0, name='Conv1_relu')(x)
settings = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
            (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
            (320, 1, 6)]
for block_id, (filters, stride, expansion) in enumerate(settings):
    x = inverted_residual(x, expansion, stride, filters, block_id)
last = divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
x = layers.Conv2D(last, 1, use_bias=False, name='Conv_1')(x)
x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name='Conv_1_bn')(x)
x = layers.ReLU(6.0, name='out_relu')(x)
x = classifier_or_pooling(x, mobilenet_top)
model = keras.Model(image, x, name=model_name)
)";

struct Application {
	std::string_view source;
	//! Parameter names in Keras' positional order.
	std::vector<std::string> positional;
};

const std::map<std::string, Application, std::less<>> &applications() {
	static const std::vector<std::string> kPositional = {
	    "include_top", "weights", "input_tensor", "input_shape", "pooling", "classes", "classifier_activation"};
	static const std::map<std::string, Application, std::less<>> kApplications = {
	    {"VGG16", {kVgg, kPositional}},
	    {"VGG19", {kVgg, kPositional}},
	    {"ResNet50", {kResNet50, kPositional}},
	    {"MobileNetV2",
	     {kMobileNetV2,
	      {"input_shape", "alpha", "include_top", "weights", "input_tensor", "pooling", "classes",
	       "classifier_activation"}}},
	};
	return kApplications;
}

//! 'imagenet', or what names a weights file ('vgg16_notop.h5',
//! 'weights/base.hdf5'): the file uploaded with the model either way.
bool is_weights_file_name(const Object &weights) {
	if (weights.kind != ObjectKind::Str) {
		return false;
	}
	const std::string &text = weights.text;
	auto ends_with = [&](std::string_view suffix) {
		return text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
	};
	return text == "imagenet" || ends_with(".h5") || ends_with(".hdf5");
}

//! The file name Keras downloads for these arguments (its published names).
std::string keras_weights_file(const std::string &name, bool include_top, double alpha, const Object &input_shape) {
	if (name == "MobileNetV2") {
		int64_t rows = 224;
		if (input_shape.kind == ObjectKind::Tuple && (*input_shape.items)[0].kind == ObjectKind::Int) {
			rows = (*input_shape.items)[0].integer;
		}
		// Keras writes str(float(alpha)): 0.35, 0.5, 1.0, ...
		char alpha_text[16];
		std::snprintf(alpha_text, sizeof alpha_text, "%g", alpha);
		std::string alpha_name = alpha_text;
		if (alpha_name.find('.') == std::string::npos) {
			alpha_name += ".0";
		}
		return "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_" + alpha_name + "_" + std::to_string(rows) +
		       (include_top ? "" : "_no_top") + ".h5";
	}
	std::string base = name == "VGG16" ? "vgg16" : name == "VGG19" ? "vgg19" : "resnet50";
	return base + "_weights_tf_dim_ordering_tf_kernels" + (include_top ? "" : "_notop") + ".h5";
}

} // namespace

bool is_application(const std::string &name) {
	return applications().count(name) > 0;
}

std::string application_names() {
	return "VGG16, VGG19, ResNet50, MobileNetV2";
}

Object build_application(Evaluator &evaluator, const std::string &name, CallArgs &args) {
	const Application &application = applications().at(name);
	std::map<std::string, Object> given;
	std::map<std::string, SourceLocation> where;
	if (args.positional.size() > application.positional.size()) {
		fail(args.positional_at[application.positional.size()],
		     name + "() takes at most " + std::to_string(application.positional.size()) + " positional arguments");
	}
	for (size_t i = 0; i < args.positional.size(); i++) {
		given[application.positional[i]] = args.positional[i];
		where[application.positional[i]] = args.positional_at[i];
	}
	for (size_t i = 0; i < args.keywords.size(); i++) {
		const std::string &key = args.keywords[i].first;
		if (std::find(application.positional.begin(), application.positional.end(), key) ==
		    application.positional.end()) {
			fail(args.keyword_at[i], "unknown argument '" + key + "' for " + name);
		}
		if (given.count(key)) {
			fail(args.keyword_at[i], "'" + key + "' of " + name + " is given both by position and by keyword");
		}
		given[key] = args.keywords[i].second;
		where[key] = args.keyword_at[i];
	}
	auto get = [&](const std::string &key, Object fallback) { return given.count(key) ? given[key] : fallback; };
	auto at = [&](const std::string &key) { return where.count(key) ? where[key] : args.location; };
	Object weights = get("weights", make_str("imagenet"));
	if (weights.kind != ObjectKind::None && !is_weights_file_name(weights)) {
		fail(at("weights"), name +
		                        ": weights must be None (untrained), 'imagenet' or the name of a Keras .h5 "
		                        "weights file, got " +
		                        repr(weights));
	}
	Object include_top = get("include_top", make_bool(true));
	if (include_top.kind != ObjectKind::Bool) {
		fail(at("include_top"), name + ": include_top must be True or False");
	}
	Object classes = get("classes", make_int(1000));
	if (classes.kind != ObjectKind::Int || classes.integer < 1) {
		fail(at("classes"), name + ": classes must be a positive integer");
	}
	Object pooling = get("pooling", make_none());
	if (pooling.kind != ObjectKind::None &&
	    !(pooling.kind == ObjectKind::Str && (pooling.text == "avg" || pooling.text == "max"))) {
		fail(at("pooling"), name + ": pooling must be None, 'avg' or 'max'");
	}
	Object activation = get("classifier_activation", make_str("softmax"));
	Object alpha = get("alpha", make_float(1.0));
	if (name == "MobileNetV2") {
		static const double kAlphas[] = {0.35, 0.5, 0.75, 1.0, 1.3, 1.4};
		if (!alpha.is_number() ||
		    std::find(std::begin(kAlphas), std::end(kAlphas), alpha.as_double()) == std::end(kAlphas)) {
			fail(at("alpha"), "MobileNetV2: alpha must be one of 0.35, 0.5, 0.75, 1.0, 1.3, 1.4");
		}
	}
	if (weights.kind == ObjectKind::Str && weights.text == "imagenet" && include_top.boolean &&
	    classes.integer != 1000) {
		fail(at("classes"), name + ": with weights='imagenet' and include_top=True, classes must be 1000 (the "
		                           "ImageNet classifier's); use include_top=False and a classifier of your own");
	}
	Object input_tensor = get("input_tensor", make_none());
	Object input_shape = get("input_shape", make_none());
	if (input_tensor.kind != ObjectKind::None) {
		if (input_tensor.kind != ObjectKind::Tensor || evaluator.graph().tensor(input_tensor.id).node >= 0) {
			fail(at("input_tensor"), name + ": input_tensor must be a tensor from keras.Input(...)");
		}
	} else {
		Shape shape;
		if (input_shape.kind == ObjectKind::None) {
			shape = include_top.boolean ? Shape{224, 224, 3} : Shape{-1, -1, 3};
		} else {
			if (!input_shape.is_sequence() || input_shape.items->size() != 3) {
				fail(at("input_shape"), name + ": input_shape must be (height, width, 3)");
			}
			for (const auto &dim : *input_shape.items) {
				shape.push_back(dim.kind == ObjectKind::None ? -1 : dim.kind == ObjectKind::Int ? dim.integer : 0);
			}
		}
		if (shape[2] != 3 || shape[0] == 0 || shape[1] == 0) {
			fail(at("input_shape"), name + ": input_shape must be (height, width, 3) with 3 channels");
		}
		for (size_t i = 0; i < 2; i++) {
			if (shape[i] >= 0 && shape[i] < 32) {
				fail(at("input_shape"), name + ": input_shape must be at least 32x32, got " + repr(input_shape));
			}
			if (shape[i] < 0 && include_top.boolean) {
				fail(at("input_shape"), name + ": with include_top=True the input_shape must be fully known");
			}
		}
		std::vector<Object> dims;
		for (int64_t dim : shape) {
			dims.push_back(dim < 0 ? make_none() : make_int(dim));
		}
		input_shape = evaluator.new_tuple(std::move(dims), args.location);
	}
	std::string model_name = name == "VGG16" ? "vgg16" : name == "VGG19" ? "vgg19" : "resnet50";
	if (name == "MobileNetV2") {
		char buffer[64];
		int64_t rows = input_shape.kind == ObjectKind::Tuple && (*input_shape.items)[0].kind == ObjectKind::Int
		                   ? (*input_shape.items)[0].integer
		                   : 224;
		std::snprintf(buffer, sizeof buffer, "mobilenetv2_%.2f_%lld", alpha.as_double(), static_cast<long long>(rows));
		model_name = buffer;
	}
	std::vector<int64_t> convs =
	    name == "VGG19" ? std::vector<int64_t>{2, 2, 4, 4, 4} : std::vector<int64_t>{2, 2, 3, 3, 3};
	std::vector<Object> conv_counts;
	for (int64_t count : convs) {
		conv_counts.push_back(make_int(count));
	}
	std::vector<std::pair<std::string, Object>> bindings = {
	    {"keras", import_object("keras", args.location)},
	    {"layers", import_object("keras.layers", args.location)},
	    {"include_top", include_top},
	    {"input_tensor", input_tensor},
	    {"input_shape", input_shape},
	    {"pooling", pooling},
	    {"classes", classes},
	    {"classifier_activation", activation},
	    {"alpha", alpha},
	    {"model_name", make_str(model_name)},
	    {"convs_per_block", evaluator.new_list(std::move(conv_counts), args.location)},
	};
	std::string source = std::string(kCommon) + std::string(application.source);
	try {
		int64_t first_layer = static_cast<int64_t>(evaluator.graph().layer_count());
		Object model = evaluator.run_embedded(source, "model", std::move(bindings));
		if (weights.kind == ObjectKind::Str) {
			PretrainedBase base;
			base.spec.application = name;
			base.spec.weights = weights.text;
			base.spec.weights_given = given.count("weights") > 0;
			base.spec.include_top = include_top.boolean;
			base.spec.keras_file = keras_weights_file(name, include_top.boolean, alpha.as_double(), input_shape);
			base.spec.location = given.count("weights") ? at("weights") : args.location;
			base.first_layer = first_layer;
			base.end_layer = static_cast<int64_t>(evaluator.graph().layer_count());
			evaluator.pretrained().push_back(std::move(base));
		}
		return model;
	} catch (const ModelDefinitionError &error) {
		// The architecture's own text is not the user's: report at the call.
		fail(args.location, name + "(...) cannot be built with these arguments: " + error.reason);
	}
}

} // namespace kafkaml::ml::spec
