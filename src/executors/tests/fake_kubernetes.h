#pragma once

// A fake Kubernetes API server on loopback for the Kubernetes executor's
// tests: exactly the objects and verbs the executor uses (batch/v1 Jobs and
// apps/v1 Deployments: create, get, list by label selector, merge-patch,
// delete; core/v1 Secrets: create, update; Pods: list, log), with the JSON
// shapes of the Kubernetes API reference: lists ({"kind": "JobList",
// "items": [...]}), Status objects for errors (404 NotFound, 409
// AlreadyExists, 401 Unauthorized, 415 for another patch type) and for
// deletes. It schedules nothing: the test says what the pods do
// (set_pod), and deleting an object deletes its pods, as the garbage
// collector would with propagationPolicy Background. It records every
// request so that tests assert them.
//
// Threading: the HTTP server's threads and the test's thread; one mutex.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kafkaml::executors::testing {

struct FakeRequest {
	std::string method;
	std::string path;  //!< without the query
	std::string query; //!< labelSelector=... (decoded), or empty
	std::string content_type;
	nlohmann::json body; //!< null when none or not JSON
};

class FakeKubernetes {
public:
	//! Answers only requests bearing `token`.
	explicit FakeKubernetes(std::string token);
	~FakeKubernetes();

	//! http://127.0.0.1:<port>
	std::string url() const;

	std::vector<FakeRequest> requests() const;
	//! Requests of `method` whose path starts with `prefix`.
	std::vector<FakeRequest> requests(const std::string &method, const std::string &prefix) const;
	void clear_requests();

	//! The stored object, or null. `resource`: "jobs", "deployments",
	//! "secrets" or "pods".
	nlohmann::json object(const std::string &resource, const std::string &name) const;
	std::vector<std::string> names(const std::string &resource) const;

	//! Creates or replaces pod `name` of the Job or Deployment `owner`
	//! (its template's labels) with `status` (a core/v1 PodStatus).
	void set_pod(const std::string &name, const std::string &owner_resource, const std::string &owner,
	             const nlohmann::json &status, const std::string &log = "");
	//! Sets the Job's status.conditions to one condition.
	void set_job_condition(const std::string &job, const std::string &type, const std::string &reason,
	                       const std::string &message);

	//! PodStatus shapes the kubelet reports.
	static nlohmann::json running(int restarts, int last_exit_code = 0, const std::string &last_reason = "");
	static nlohmann::json crash_loop(int restarts, int last_exit_code, const std::string &last_reason);

private:
	void handle(const httplib::Request &req, httplib::Response &res);
	void reply(httplib::Response &res, int status, const nlohmann::json &body) const;
	void status(httplib::Response &res, int code, const std::string &reason, const std::string &message) const;

	std::string token_;
	httplib::Server server_;
	int port_ = 0;
	std::thread thread_;
	mutable std::mutex mutex_;
	std::vector<FakeRequest> requests_;
	//! resource -> name -> object (one namespace is all the executor uses).
	std::map<std::string, std::map<std::string, nlohmann::json>> objects_;
	std::map<std::string, std::string> logs_; //!< pod -> its previous container's output
	int64_t next_version_ = 1;
};

} // namespace kafkaml::executors::testing
