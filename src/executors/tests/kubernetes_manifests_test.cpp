// deploy/kubernetes rendered by `kubectl kustomize`: every object the README
// names is there, and the Role grants exactly what the executor uses.

#include "executors/kube_client.h"
#include "executors/kubernetes_executor.h"
#include "support/build_tree.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

namespace kafkaml::executors {
namespace {

using nlohmann::json;

bool on_path(const std::string &program) {
	const char *path = std::getenv("PATH");
	std::stringstream dirs(path ? path : "");
	for (std::string dir; std::getline(dirs, dir, ':');) {
		if (!dir.empty() && ::access((std::filesystem::path(dir) / program).c_str(), X_OK) == 0) {
			return true;
		}
	}
	return false;
}

//! kind/name -> object of `kubectl kustomize dir`.
std::map<std::string, json> render(const std::filesystem::path &dir) {
	if (!on_path("kubectl")) {
		throw std::runtime_error("kubectl is not installed: install Debian's kubernetes-client "
		                         "(scripts/install-deps --test) to check deploy/kubernetes");
	}
	auto rendered = kafkaml::testing::run({.argv = {"kubectl", "kustomize", dir.string()}});
	if (rendered.status != 0) {
		throw std::runtime_error("kubectl kustomize " + dir.string() + " failed (" + std::to_string(rendered.status) +
		                         ")");
	}
	std::map<std::string, json> objects;
	std::string text = "\n" + rendered.out;
	size_t start = 0;
	while (start < text.size()) {
		auto end = text.find("\n---\n", start);
		auto document = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
		auto object = parse_yaml(document);
		if (object.is_object()) {
			objects[object.value("kind", "") + "/" + object["metadata"].value("name", "")] = object;
		}
		if (end == std::string::npos) {
			break;
		}
		start = end + 5;
	}
	return objects;
}

class KubernetesManifestsTest : public ::testing::Test {
protected:
	std::filesystem::path base = kafkaml::testing::source_dir() / "deploy" / "kubernetes";
};

TEST_F(KubernetesManifestsTest, EveryObjectIsRenderedInTheNamespace) {
	auto objects = render(base);
	for (const auto *key :
	     {"Namespace/kafkaml", "ServiceAccount/kafkaml", "Role/kafkaml-executor", "RoleBinding/kafkaml-executor",
	      "ConfigMap/kafkaml-config", "Secret/kafkaml-kafka", "Secret/kafkaml-postgres", "Service/kafkaml",
	      "Service/kafkaml-postgres", "PersistentVolumeClaim/kafkaml-data", "Deployment/kafkaml",
	      "StatefulSet/kafkaml-postgres"}) {
		ASSERT_TRUE(objects.count(key)) << key << " is not rendered";
		if (std::string(key).rfind("Namespace/", 0) != 0) {
			EXPECT_EQ(objects[key]["metadata"].value("namespace", ""), "kafkaml") << key;
		}
	}
	EXPECT_FALSE(objects.count("Ingress/kafkaml")) << "the Ingress is optional";

	auto postgres = objects["StatefulSet/kafkaml-postgres"];
	ASSERT_EQ(postgres["spec"]["volumeClaimTemplates"].size(), 1u);
	EXPECT_EQ(postgres["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"],
	          postgres["spec"]["volumeClaimTemplates"][0]["metadata"]["name"]);

	auto binding = objects["RoleBinding/kafkaml-executor"];
	EXPECT_EQ(binding["roleRef"]["kind"], "Role");
	EXPECT_EQ(binding["roleRef"]["name"], "kafkaml-executor");
	EXPECT_EQ(binding["subjects"][0]["kind"], "ServiceAccount");
	EXPECT_EQ(binding["subjects"][0]["name"], "kafkaml");
	EXPECT_EQ(binding["subjects"][0]["namespace"], "kafkaml");

	auto server = objects["Deployment/kafkaml"]["spec"]["template"]["spec"];
	EXPECT_EQ(server["serviceAccountName"], "kafkaml");
	auto container = server["containers"][0];
	EXPECT_EQ(container["image"], std::string("kafkaml:") + KAFKAML_VERSION) << "the image scripts/image builds";
	auto args = container["args"].get<std::vector<std::string>>();
	auto after = [&args](const std::string &option) {
		auto found = std::find(args.begin(), args.end(), option);
		return found == args.end() || found + 1 == args.end() ? std::string() : *(found + 1);
	};
	EXPECT_EQ(after("--executor"), "kubernetes");
	EXPECT_EQ(after("--listen"), "0.0.0.0:8000");
	EXPECT_EQ(after("--kubernetes-server-url"), "http://kafkaml:8000") << "the Service's name and port";
	EXPECT_EQ(objects["Service/kafkaml"]["spec"]["ports"][0]["port"], "8000");
	EXPECT_EQ(objects["Service/kafkaml"]["spec"]["ports"][0]["targetPort"], container["ports"][0]["name"]);
	// Each $(VARIABLE) of the command line is defined: by the ConfigMap or the env.
	std::set<std::string> defined;
	for (const auto &[name, value] : objects["ConfigMap/kafkaml-config"]["data"].items()) {
		defined.insert(name);
	}
	for (const auto &variable : container["env"]) {
		defined.insert(variable["name"].get<std::string>());
	}
	std::regex reference(R"(\$\(([A-Z_]+)\))");
	for (const auto &arg : args) {
		for (std::sregex_iterator match(arg.begin(), arg.end(), reference), end; match != end; ++match) {
			EXPECT_TRUE(defined.count((*match)[1])) << (*match)[1] << " is not defined";
		}
	}
	EXPECT_TRUE(defined.count("KAFKAML_SERVER_DEPLOYMENT")) << "its jobs' objects are owned by the Deployment";
	// The jobs' Secret the server writes is the one the Role lets it update.
	auto role = objects["Role/kafkaml-executor"];
	bool secret_named = false;
	for (const auto &rule : role["rules"]) {
		if (rule.contains("resourceNames")) {
			secret_named |= rule["resourceNames"][0] == after("--kubernetes-secret");
		}
	}
	EXPECT_TRUE(secret_named) << "the Role's update of secrets names --kubernetes-secret";
}

TEST_F(KubernetesManifestsTest, TheRoleGrantsExactlyTheVerbsTheExecutorUses) {
	auto objects = render(base);
	std::map<std::string, std::set<std::string>> granted;
	for (const auto &rule : objects["Role/kafkaml-executor"]["rules"]) {
		for (const auto &group : rule["apiGroups"]) {
			for (const auto &resource : rule["resources"]) {
				for (const auto &verb : rule["verbs"]) {
					granted[group.get<std::string>() + "/" + resource.get<std::string>()].insert(
					    verb.get<std::string>());
				}
			}
		}
	}
	EXPECT_EQ(granted, KubernetesExecutor::verbs_used());
}

TEST_F(KubernetesManifestsTest, TheIngressRendersOnceUncommented) {
	kafkaml::testing::TempDir dir{"manifests"};
	std::filesystem::copy(base, dir.path() / "kubernetes", std::filesystem::copy_options::recursive);
	auto kustomization = dir.path() / "kubernetes" / "kustomization.yaml";
	auto text = kafkaml::testing::read_file(kustomization);
	auto line = text.find("# - ingress.yaml");
	ASSERT_NE(line, std::string::npos) << "kustomization.yaml has the Ingress commented out";
	text.replace(line, 2, "");
	kafkaml::testing::write_file(kustomization, text);
	auto objects = render(dir.path() / "kubernetes");
	ASSERT_TRUE(objects.count("Ingress/kafkaml"));
	auto backend = objects["Ingress/kafkaml"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"];
	EXPECT_EQ(backend["name"], "kafkaml");
	EXPECT_EQ(objects["Ingress/kafkaml"]["metadata"]["namespace"], "kafkaml");
}

} // namespace
} // namespace kafkaml::executors
