#pragma once

// The fixture of the tests against Python's PyTorch (Debian's python3-torch
// under /usr/bin/python3; the `python3` first on PATH may lack torch): the
// test is skipped where it cannot import torch, and gets a private
// temporary directory for the files it exchanges with Python.

#include "support/files.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace kafkaml::ml::testing {

class PythonTorchTest : public ::testing::Test {
protected:
	void SetUp() override {
		if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
			GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
		}
	}
	std::string path(const std::string &name) const { return (dir_ / name).string(); }
	//! Runs a Python script; returns its stdout. A failure shows the end of its stderr.
	std::string python(const std::string &script) {
		dir_.write("script.py", script);
		std::string command =
		    "/usr/bin/python3 " + path("script.py") + " > " + path("out.txt") + " 2> " + path("err.txt");
		std::string errors = std::system(command.c_str()) == 0 ? "" : kafkaml::testing::read_file(path("err.txt"));
		EXPECT_EQ(errors, "") << script.substr(0, 2000);
		return kafkaml::testing::read_file(path("out.txt"));
	}
	//! Runs a Python script that prints lines of a label and numbers; returns
	//! the numbers of each line by its label.
	std::map<std::string, std::vector<double>> python_lines(const std::string &script) {
		std::istringstream out(python(script));
		std::map<std::string, std::vector<double>> lines;
		for (std::string line; std::getline(out, line);) {
			std::istringstream words(line);
			std::string label;
			words >> label;
			for (double v = 0; words >> v;) {
				lines[label].push_back(v);
			}
		}
		return lines;
	}
	kafkaml::testing::TempDir dir_{"ml"};
};

} // namespace kafkaml::ml::testing
