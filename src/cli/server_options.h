#pragma once

// Options `kafkaml server` and `kafkaml up` share: limits and policies of the
// jobs the server runs.

#include "server/server_app.h"

#include <CLI/CLI.hpp>

namespace kafkaml::cli {

inline void add_job_options(CLI::App &command, server::ServerConfig &config) {
	auto add = [&command](const char *name, auto &field, const char *help, const CLI::Validator &check) {
		command.add_option(name, field, help)->capture_default_str()->check(check);
	};
	add("--max-replicas", config.max_replicas,
	    "most replicas one inference may have (each replica is a process on this machine)",
	    CLI::Range(int64_t{1}, int64_t{100000}));
	add("--crash-loop-limit", config.crash_loop_limit,
	    "a job failing this many times in a row, each within 60 s of its start, is not restarted and its result "
	    "or inference is marked failed with the end of its log (0: restart forever)",
	    CLI::NonNegativeNumber);
	command.add_flag("--reset-admin-token", config.reset_admin_token,
	                 "make a new admin token and store its hash, when the token file was lost (the old token stops "
	                 "working; running jobs are restarted with the new one)");
	command
	    .add_option("--allowed-hosts", config.allowed_hosts,
	                "host names the API and web UI answer for (the Host header), besides localhost, 127.0.0.1, "
	                "[::1], the --listen host and this machine's name; others get 421, so a web page cannot read "
	                "the API through DNS rebinding ('*': any, e.g. behind a proxy that checks it)")
	    ->delimiter(',');
	command.add_option("--metrics-listen", config.metrics_listen,
	                   "host:port serving GET /metrics without a token (for a scraper on a private network); on "
	                   "--listen, /metrics needs the scrape token in the data directory's metrics-token file or any "
	                   "viewer token");
	add("--records-timeout", config.records_timeout_s,
	    "seconds a training job waits for the next record of its stream before it fails naming the missing "
	    "records (a control message may name records that are not in the log)",
	    CLI::PositiveNumber);
	command
	    .add_option("--executor", config.executor,
	                "where jobs run: local (child processes of the server), docker (a container each, of "
	                "--image, on the host's network) or kubernetes (a Job per training, a Deployment per inference, "
	                "of --image)")
	    ->capture_default_str()
	    ->check(CLI::IsMember({"local", "docker", "kubernetes"}));
	command.add_option("--docker-host", config.docker_host, "the Docker daemon's socket, for --executor docker")
	    ->capture_default_str();
	command
	    .add_option("--image", config.docker_image,
	                "the image jobs run in, for --executor docker and kubernetes (built by scripts/image)")
	    ->capture_default_str();
	command.add_option("--kubeconfig", config.kubeconfig,
	                   "a kubeconfig file (its current context: server, CA, token or client certificate), for "
	                   "--executor kubernetes; default: the pod's service account");
	command.add_option("--kubernetes-namespace", config.kubernetes_namespace,
	                   "the jobs' namespace, for --executor kubernetes (default: the kubeconfig's or the pod's, "
	                   "else default)");
	command
	    .add_option("--kubernetes-secret", config.kubernetes_secret,
	                "the Secret the server writes the jobs' token and Kafka settings into, mounted read-only by "
	                "every job's pod, for --executor kubernetes")
	    ->capture_default_str();
	command.add_option("--kubernetes-server-url", config.kubernetes_server_url,
	                   "the API's address as the jobs' pods reach it, for --executor kubernetes (default: "
	                   "http://kafkaml:<--listen port>, the manifests' Service)");
}

} // namespace kafkaml::cli
