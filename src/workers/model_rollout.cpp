#include "workers/model_rollout.h"

#include <spdlog/spdlog.h>

namespace kafkaml::workers {
namespace {

std::string describe(const ServingTarget &target) {
	if (!target.version) {
		return "the trained model of result " + std::to_string(target.result);
	}
	return "version " + std::to_string(*target.version) + " of result " + std::to_string(target.result);
}

} // namespace

ModelRollout::ModelRollout(FetchTarget fetch_target, FetchModel fetch_model, std::chrono::milliseconds interval,
                           std::chrono::milliseconds retry_after)
    : fetch_target_(std::move(fetch_target)), fetch_model_(std::move(fetch_model)), interval_(interval),
      retry_after_(retry_after) {}

ModelRollout::~ModelRollout() {
	{
		std::lock_guard lock(mutex_);
		quit_ = true;
	}
	wake_.notify_all();
	if (thread_.joinable()) {
		thread_.join();
	}
}

std::optional<VersionedModel> ModelRollout::first(const std::function<bool()> &cancelled,
                                                  const std::function<void(const ServingTarget &)> &on_wait) {
	bool told = false;
	while (!(cancelled && cancelled())) {
		auto target = fetch_target_();
		if (target.ready) {
			return VersionedModel{ml::Model::load(fetch_model_(target)), target};
		}
		if (!told && on_wait) {
			on_wait(target);
		}
		told = true;
		std::this_thread::sleep_for(interval_);
	}
	return std::nullopt;
}

void ModelRollout::follow(const ServingTarget &serving) {
	loaded_ = serving;
	thread_ = std::thread([this] { watch(); });
}

std::optional<VersionedModel> ModelRollout::take() {
	std::lock_guard lock(mutex_);
	if (!slot_) {
		return std::nullopt;
	}
	auto taken = std::move(slot_);
	slot_.reset();
	return taken;
}

void ModelRollout::watch() {
	std::unique_lock lock(mutex_);
	while (!quit_) {
		lock.unlock();
		check_once();
		lock.lock();
		wake_.wait_for(lock, interval_, [this] { return quit_; });
	}
}

void ModelRollout::check_once() {
	ServingTarget target;
	try {
		target = fetch_target_();
	} catch (const std::exception &e) {
		spdlog::warn("model rollout: cannot ask which model to serve: {}", e.what());
		return;
	}
	if (!target.ready || target == loaded_) {
		return;
	}
	if (failed_ && *failed_ == target && std::chrono::steady_clock::now() - failed_at_ < retry_after_) {
		return;
	}
	try {
		auto loaded = VersionedModel{ml::Model::load(fetch_model_(target)), target};
		spdlog::info("model rollout: loaded {}; serving it from the next batch", describe(target));
		std::lock_guard lock(mutex_);
		// A model loaded earlier and not taken yet is replaced: the newest
		// target is what the replica should serve.
		slot_ = std::move(loaded);
		loaded_ = target;
		failed_.reset();
	} catch (const std::exception &e) {
		spdlog::error("model rollout: cannot load {}, serving the model it has: {}", describe(target), e.what());
		failed_ = target;
		failed_at_ = std::chrono::steady_clock::now();
	}
}

} // namespace kafkaml::workers
