#include "ml/torch_backend.h"

#include "ml/model_impl.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace kafkaml::ml {
namespace {

// Where the library may be, in order: an explicit override, next to the
// running executable (the `kafkaml` binary and the library are built into
// the same directory), and where this build put it (tests run from their
// own directories).
std::vector<std::string> candidate_paths() {
	std::vector<std::string> paths;
	auto add = [&paths](std::string path) {
		if (!path.empty() && std::find(paths.begin(), paths.end(), path) == paths.end()) {
			paths.push_back(std::move(path));
		}
	};
	if (const char *override_path = std::getenv("KAFKAML_TORCH_LIBRARY")) {
		add(override_path);
	}
	std::error_code error;
	auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
	if (!error) {
		add((exe.parent_path() / kTorchLibraryName).string());
	}
#ifdef KAFKAML_TORCH_LIBRARY_BUILD_PATH
	add(KAFKAML_TORCH_LIBRARY_BUILD_PATH);
#endif
	return paths;
}

const TorchBackend *load() {
	std::string tried;
	for (const auto &path : candidate_paths()) {
		if (::access(path.c_str(), R_OK) != 0) {
			tried += "\n  " + path + ": not found";
			continue;
		}
		void *library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
		if (!library) {
			const char *reason = ::dlerror();
			tried += "\n  " + path + ": " + (reason ? reason : "cannot be loaded");
			continue;
		}
		auto *entry = reinterpret_cast<TorchBackendEntry *>(::dlsym(library, kTorchBackendSymbol));
		const TorchBackend *backend = entry ? entry() : nullptr;
		if (!backend || backend->abi_version != TorchBackend::kAbiVersion ||
		    backend->impl_size != sizeof(Model::Impl)) {
			tried += "\n  " + path + ": built from other sources than this program";
			continue;
		}
		return backend;
	}
	throw std::runtime_error("this model needs the libtorch engine (" + std::string(kTorchLibraryName) +
	                         "), which could not be loaded:" + tried +
	                         "\nrebuild with scripts/build, or point KAFKAML_TORCH_LIBRARY at the library");
}

// Guards the two below. Calls are rare (one per model built), so a mutex
// costs nothing; a failed load is retried by the next call.
std::mutex g_mutex;
const TorchBackend *g_backend = nullptr;
//! Intra-op threads asked for (0: none asked, the library's default of 1).
int g_threads = 0;

} // namespace

const TorchBackend &torch_backend() {
	std::lock_guard lock(g_mutex);
	if (!g_backend) {
		g_backend = load();
		if (g_threads > 0) {
			g_backend->set_threads(g_threads);
		}
	}
	return *g_backend;
}

std::unique_ptr<Executor> make_torch_executor(const ModelPlan &plan, float *params, float *states) {
	return torch_backend().make_executor(plan, params, states);
}

// A thread count alone is no reason to load libtorch: a fused model never
// uses it. It is applied when (if) the library is loaded.
void set_torch_threads(int threads) {
	std::lock_guard lock(g_mutex);
	g_threads = threads;
	if (g_backend) {
		g_backend->set_threads(threads);
	}
}

std::unique_ptr<Model::Impl> torchscript_impl(std::string_view module_bytes, const CompileSpec &compile,
                                              Shape input_shape, uint64_t seed) {
	return torch_backend().load_torchscript(module_bytes, compile, std::move(input_shape), seed);
}

std::string pickle_weights(const Model::Impl &impl, const std::string &spec_json) {
	return torch_backend().pickle_weights(impl, spec_json);
}

int64_t check_torchscript(std::string_view module_bytes) {
	return torch_backend().check_torchscript(module_bytes);
}

KerasWeightsFile read_keras_weights(std::string_view bytes, int64_t max_values) {
	return torch_backend().read_keras_weights(bytes, max_values);
}

} // namespace kafkaml::ml
