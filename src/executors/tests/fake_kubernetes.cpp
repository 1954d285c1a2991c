#include "executors/tests/fake_kubernetes.h"

#include <sstream>

namespace kafkaml::executors::testing {
namespace {

using nlohmann::json;

struct Resource {
	const char *name;
	const char *api; //!< "" for the core group's /api/v1
	const char *group_version;
	const char *kind;
};

constexpr Resource kResources[] = {
    {"jobs", "batch", "batch/v1", "Job"},
    {"deployments", "apps", "apps/v1", "Deployment"},
    {"secrets", "", "v1", "Secret"},
    {"pods", "", "v1", "Pod"},
};

const Resource *find_resource(const std::string &name) {
	for (const auto &resource : kResources) {
		if (name == resource.name) {
			return &resource;
		}
	}
	return nullptr;
}

//! "jobs.batch" as the API's messages name a resource ("secrets" for core).
std::string qualified(const Resource &resource) {
	return std::string(resource.name) + (*resource.api ? std::string(".") + resource.api : "");
}

std::vector<std::string> split(const std::string &text, char separator) {
	std::vector<std::string> parts;
	std::stringstream in(text);
	for (std::string part; std::getline(in, part, separator);) {
		parts.push_back(part);
	}
	return parts;
}

//! Whether `labels` hold every "key=value" of a label selector.
bool matches(const json &labels, const std::string &selector) {
	for (const auto &term : split(selector, ',')) {
		auto equals = term.find('=');
		if (equals == std::string::npos || labels.value(term.substr(0, equals), "") != term.substr(equals + 1)) {
			return false;
		}
	}
	return true;
}

json labels_of(const json &object) {
	return object.value("metadata", json::object()).value("labels", json::object());
}

json container_status(int restarts, const json &state, int last_exit_code, const std::string &last_reason) {
	json status = {{"name", "job"},
	               {"image", "kafkaml:test"},
	               {"ready", state.contains("running")},
	               {"restartCount", restarts},
	               {"state", state},
	               {"lastState", json::object()}};
	if (restarts > 0) {
		status["lastState"] = {{"terminated",
		                        {{"exitCode", last_exit_code},
		                         {"reason", last_reason},
		                         {"startedAt", "2026-01-01T00:00:00Z"},
		                         {"finishedAt", "2026-01-01T00:00:01Z"}}}};
	}
	return status;
}

} // namespace

FakeKubernetes::FakeKubernetes(std::string token) : token_(std::move(token)) {
	auto handler = [this](const httplib::Request &req, httplib::Response &res) { handle(req, res); };
	server_.Get(".*", handler);
	server_.Post(".*", handler);
	server_.Put(".*", handler);
	server_.Patch(".*", handler);
	server_.Delete(".*", handler);
	port_ = server_.bind_to_any_port("127.0.0.1");
	if (port_ <= 0) {
		throw std::runtime_error("the fake Kubernetes API server cannot listen on loopback");
	}
	thread_ = std::thread([this] { server_.listen_after_bind(); });
	while (!server_.is_running()) {
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
}

FakeKubernetes::~FakeKubernetes() {
	server_.stop();
	thread_.join();
}

std::string FakeKubernetes::url() const {
	return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<FakeRequest> FakeKubernetes::requests() const {
	std::lock_guard lock(mutex_);
	return requests_;
}

std::vector<FakeRequest> FakeKubernetes::requests(const std::string &method, const std::string &prefix) const {
	std::vector<FakeRequest> out;
	for (auto &request : requests()) {
		if (request.method == method && request.path.rfind(prefix, 0) == 0) {
			out.push_back(request);
		}
	}
	return out;
}

void FakeKubernetes::clear_requests() {
	std::lock_guard lock(mutex_);
	requests_.clear();
}

json FakeKubernetes::object(const std::string &resource, const std::string &name) const {
	std::lock_guard lock(mutex_);
	auto objects = objects_.find(resource);
	if (objects == objects_.end() || !objects->second.count(name)) {
		return nullptr;
	}
	return objects->second.at(name);
}

std::vector<std::string> FakeKubernetes::names(const std::string &resource) const {
	std::lock_guard lock(mutex_);
	std::vector<std::string> out;
	if (auto objects = objects_.find(resource); objects != objects_.end()) {
		for (const auto &[name, object] : objects->second) {
			out.push_back(name);
		}
	}
	return out;
}

void FakeKubernetes::set_pod(const std::string &name, const std::string &owner_resource, const std::string &owner,
                             const json &status, const std::string &log) {
	std::lock_guard lock(mutex_);
	const auto &template_ = objects_.at(owner_resource).at(owner).at("spec").at("template");
	auto &pod = objects_["pods"][name];
	auto uid = pod.is_object() ? pod["metadata"]["uid"] : json("pod-" + name + "-" + std::to_string(next_version_));
	pod = {{"apiVersion", "v1"},
	       {"kind", "Pod"},
	       {"metadata",
	        {{"name", name},
	         {"namespace", "default"},
	         {"uid", uid},
	         {"resourceVersion", std::to_string(next_version_++)},
	         {"labels", template_["metadata"]["labels"]}}},
	       {"spec", template_["spec"]},
	       {"status", status}};
	logs_[name] = log;
}

void FakeKubernetes::set_job_condition(const std::string &job, const std::string &type, const std::string &reason,
                                       const std::string &message) {
	std::lock_guard lock(mutex_);
	auto &object = objects_.at("jobs").at(job);
	object["status"]["conditions"] = json::array({{{"type", type},
	                                               {"status", "True"},
	                                               {"reason", reason},
	                                               {"message", message},
	                                               {"lastTransitionTime", "2026-01-01T00:00:00Z"}}});
	object["status"]["failed"] = 1;
}

json FakeKubernetes::running(int restarts, int last_exit_code, const std::string &last_reason) {
	return {{"phase", "Running"},
	        {"containerStatuses",
	         {container_status(restarts, {{"running", {{"startedAt", "2026-01-01T00:00:02Z"}}}}, last_exit_code,
	                           last_reason)}}};
}

json FakeKubernetes::crash_loop(int restarts, int last_exit_code, const std::string &last_reason) {
	json waiting = {
	    {"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off 40s restarting failed container=job"}}}};
	return {{"phase", "Running"},
	        {"containerStatuses", {container_status(restarts, waiting, last_exit_code, last_reason)}}};
}

void FakeKubernetes::reply(httplib::Response &res, int status, const json &body) const {
	res.status = status;
	res.set_content(body.dump(), "application/json");
}

void FakeKubernetes::status(httplib::Response &res, int code, const std::string &reason,
                            const std::string &message) const {
	reply(res, code,
	      {{"kind", "Status"},
	       {"apiVersion", "v1"},
	       {"metadata", json::object()},
	       {"status", "Failure"},
	       {"message", message},
	       {"reason", reason},
	       {"code", code}});
}

// /api/v1/namespaces/NS/RESOURCE[/NAME[/log]] or
// /apis/GROUP/VERSION/namespaces/NS/RESOURCE[/NAME]
void FakeKubernetes::handle(const httplib::Request &req, httplib::Response &res) {
	std::lock_guard lock(mutex_);
	FakeRequest recorded{req.method, req.path, "", req.get_header_value("Content-Type"),
	                     json::parse(req.body, nullptr, false)};
	if (recorded.body.is_discarded()) {
		recorded.body = nullptr;
	}
	for (const auto &[key, value] : req.params) {
		recorded.query += (recorded.query.empty() ? "" : "&") + key + "=" + value;
	}
	requests_.push_back(recorded);
	if (req.get_header_value("Authorization") != "Bearer " + token_) {
		status(res, 401, "Unauthorized", "Unauthorized");
		return;
	}
	auto parts = split(req.path, '/'); // parts[0] is empty
	size_t at = 0;
	std::string group;
	if (parts.size() > 3 && parts[1] == "api" && parts[2] == "v1") {
		at = 3;
	} else if (parts.size() > 4 && parts[1] == "apis") {
		group = parts[2] + "/" + parts[3];
		at = 4;
	}
	const Resource *resource =
	    parts.size() > at + 2 && at > 0 && parts[at] == "namespaces" ? find_resource(parts[at + 2]) : nullptr;
	if (!resource || (group.empty() ? std::string("v1") : group) != resource->group_version) {
		status(res, 404, "NotFound", "the server could not find the requested resource");
		return;
	}
	auto name = parts.size() > at + 3 ? parts[at + 3] : "";
	auto sub = parts.size() > at + 4 ? parts[at + 4] : "";
	auto &objects = objects_[resource->name];
	auto not_found = [&] { status(res, 404, "NotFound", qualified(*resource) + " \"" + name + "\" not found"); };

	if (name.empty()) {
		if (req.method == "GET") {
			json list = {{"kind", std::string(resource->kind) + "List"},
			             {"apiVersion", resource->group_version},
			             {"metadata", {{"resourceVersion", std::to_string(next_version_)}}},
			             {"items", json::array()}};
			for (const auto &[key, object] : objects) {
				if (matches(labels_of(object), req.get_param_value("labelSelector"))) {
					list["items"].push_back(object);
				}
			}
			reply(res, 200, list);
			return;
		}
		if (req.method == "POST") {
			auto object = recorded.body;
			auto object_name = object.is_object() ? object["metadata"].value("name", "") : "";
			if (object_name.empty()) {
				status(res, 422, "Invalid", "metadata.name: Required value");
				return;
			}
			if (objects.count(object_name)) {
				status(res, 409, "AlreadyExists", qualified(*resource) + " \"" + object_name + "\" already exists");
				return;
			}
			object["metadata"]["uid"] = "uid-" + object_name + "-" + std::to_string(next_version_);
			object["metadata"]["resourceVersion"] = std::to_string(next_version_++);
			object["metadata"]["generation"] = 1;
			object["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
			object["status"] = json::object();
			objects[object_name] = object;
			reply(res, 201, object);
			return;
		}
		status(res, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
		return;
	}
	auto found = objects.find(name);
	if (sub == "log" && std::string(resource->name) == "pods" && req.method == "GET") {
		if (found == objects.end()) {
			not_found();
			return;
		}
		res.status = 200;
		res.set_content(logs_[name], "text/plain");
		return;
	}
	if (found == objects.end() || !sub.empty()) {
		not_found();
		return;
	}
	if (req.method == "GET") {
		reply(res, 200, found->second);
		return;
	}
	if (req.method == "PUT") {
		auto object = recorded.body;
		object["metadata"]["uid"] = found->second["metadata"]["uid"];
		object["metadata"]["resourceVersion"] = std::to_string(next_version_++);
		found->second = object;
		reply(res, 200, object);
		return;
	}
	if (req.method == "PATCH") {
		if (recorded.content_type != "application/merge-patch+json" &&
		    recorded.content_type != "application/strategic-merge-patch+json") {
			status(res, 415, "UnsupportedMediaType", "the body of the request was in an unknown format");
			return;
		}
		found->second.merge_patch(recorded.body);
		found->second["metadata"]["resourceVersion"] = std::to_string(next_version_++);
		reply(res, 200, found->second);
		return;
	}
	if (req.method == "DELETE") {
		auto uid = found->second["metadata"]["uid"];
		auto owner_labels = labels_of(found->second);
		objects.erase(found);
		// The garbage collector's work: the object's pods go with it (not
		// those of another stage's Deployment of the same inference).
		std::erase_if(objects_["pods"], [&owner_labels](const auto &pod) {
			auto labels = labels_of(pod.second);
			return labels.value("kafkaml.kind", "") == owner_labels.value("kafkaml.kind", "-") &&
			       labels.value("kafkaml.owner", "") == owner_labels.value("kafkaml.owner", "-") &&
			       labels.value("kafkaml.stage", "") == owner_labels.value("kafkaml.stage", "");
		});
		reply(res, 200,
		      {{"kind", "Status"},
		       {"apiVersion", "v1"},
		       {"metadata", json::object()},
		       {"status", "Success"},
		       {"details", {{"name", name}, {"group", resource->api}, {"kind", resource->name}, {"uid", uid}}}});
		return;
	}
	status(res, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

} // namespace kafkaml::executors::testing
