// Decode throughput of RAW 28x28 uint8 images and AVRO 3-float records:
// our MessageDecoder, avro-c (the alternative considered for AVRO) and the
// original's Python path (bench/decode_peer.py, run with /usr/bin/python3 on
// the same bytes in the same run). Prints medians of 5 runs and ratios.
// Targets: >= 50x python3-avro, RAW >= 1 GB/s.

#include "formats/avro_codec.h"
#include "formats/message_decoder.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <avro.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace kafkaml::formats;
namespace fs = std::filesystem;

namespace {

const char *kAvroSchema = R"({"type":"record","name":"P","fields":[{"name":"x","type":"float"},)"
                          R"({"name":"y","type":"float"},{"name":"z","type":"float"}]})";

using Clock = std::chrono::steady_clock;

template <typename F>
double median_rate(size_t messages, F &&run) {
	std::vector<double> rates;
	for (int i = 0; i < 5; i++) {
		auto start = Clock::now();
		size_t done = 0;
		while (std::chrono::duration<double>(Clock::now() - start).count() < 0.3) {
			run();
			done += messages;
		}
		rates.push_back(static_cast<double>(done) / std::chrono::duration<double>(Clock::now() - start).count());
	}
	std::sort(rates.begin(), rates.end());
	return rates[2];
}

void write_messages(const fs::path &path, const std::vector<std::string> &messages) {
	std::ofstream out(path, std::ios::binary);
	for (const auto &m : messages) {
		uint32_t size = static_cast<uint32_t>(m.size());
		out.write(reinterpret_cast<const char *>(&size), 4);
		out.write(m.data(), static_cast<std::streamsize>(m.size()));
	}
}

double decode_all(const MessageDecoder &decoder, const std::vector<std::string> &messages, Batch &batch) {
	std::vector<MessageView> views;
	views.reserve(1000);
	double checksum = 0;
	for (size_t begin = 0; begin < messages.size(); begin += 1000) {
		views.clear();
		for (size_t i = begin; i < std::min(messages.size(), begin + 1000); i++) {
			views.push_back({static_cast<int64_t>(i), messages[i], std::nullopt});
		}
		batch.clear();
		decoder.decode_batch(views, batch, false);
		checksum += batch.features[0];
	}
	return checksum;
}

} // namespace

int main() {
	std::mt19937 random(42);
	std::vector<std::string> images(10000, std::string(784, '\0'));
	for (auto &image : images) {
		for (auto &pixel : image) {
			pixel = static_cast<char>(random() & 0xff);
		}
	}
	auto schema = AvroSchema::parse(kAvroSchema);
	std::vector<std::string> points(100000);
	std::uniform_real_distribution<float> uniform(-10, 10);
	for (auto &point : points) {
		float xyz[3] = {uniform(random), uniform(random), uniform(random)};
		encode_avro(schema, xyz, point);
	}
	double avro_bytes = static_cast<double>(points.size() * points[0].size()) / static_cast<double>(points.size());

	auto raw_decoder =
	    MessageDecoder::from_config("RAW", nlohmann::json{{"data_type", "uint8"}, {"data_reshape", "28 28"}});
	auto avro_decoder = MessageDecoder::from_config("AVRO", nlohmann::json{{"data_scheme", kAvroSchema}});
	Batch batch;
	volatile double sink = 0;
	double raw_rate = median_rate(images.size(), [&] { sink = sink + decode_all(raw_decoder, images, batch); });
	double avro_rate = median_rate(points.size(), [&] { sink = sink + decode_all(avro_decoder, points, batch); });

	// avro-c: one avro_value_t reused, read field by field (its fastest generic path).
	avro_schema_t c_schema;
	if (avro_schema_from_json_length(kAvroSchema, std::strlen(kAvroSchema), &c_schema) != 0) {
		std::fprintf(stderr, "avro-c: %s\n", avro_strerror());
		return 1;
	}
	avro_value_iface_t *iface = avro_generic_class_from_schema(c_schema);
	avro_value_t value;
	avro_generic_value_new(iface, &value);
	std::vector<float> c_out(points.size() * 3);
	double avro_c_rate = median_rate(points.size(), [&] {
		size_t k = 0;
		for (const auto &point : points) {
			avro_reader_t reader = avro_reader_memory(point.data(), static_cast<int64_t>(point.size()));
			avro_value_read(reader, &value);
			for (size_t f = 0; f < 3; f++) {
				avro_value_t field;
				avro_value_get_by_index(&value, f, &field, nullptr);
				float x;
				avro_value_get_float(&field, &x);
				c_out[k++] = x;
			}
			avro_reader_free(reader);
		}
		sink = sink + c_out[0];
	});
	avro_value_decref(&value);
	avro_value_iface_decref(iface);
	avro_schema_decref(c_schema);

	kafkaml::testing::TempDir temp("bench");
	const fs::path &dir = temp.path();
	write_messages(dir / "raw.bin", images);
	write_messages(dir / "avro.bin", points);
	const char *source = std::getenv("KAFKAML_SOURCE_DIR");
	fs::path script = fs::path(source ? source : KAFKAML_SOURCE_DIR_DEFAULT) / "bench/decode_peer.py";
	auto run = kafkaml::testing::run({.argv = {"/usr/bin/python3", script.string(), (dir / "raw.bin").string(),
	                                           (dir / "avro.bin").string(), kAvroSchema}},
	                                 std::chrono::hours(1));
	double peer_raw = 0, peer_avro = 0;
	if (run.status == 0) {
		auto peer = nlohmann::json::parse(run.out);
		peer_raw = peer["raw"];
		peer_avro = peer["avro"];
	} else {
		std::fprintf(stderr, "peer failed (needs /usr/bin/python3 with numpy and python3-avro)\n");
	}

	std::printf("%-34s %14s %10s %12s\n", "decode (median of 5)", "msgs/s", "MB/s", "vs python");
	auto line = [](const char *name, double rate, double bytes, double peer) {
		std::printf("%-34s %14.0f %10.1f %11.1fx\n", name, rate, rate * bytes / 1e6, peer > 0 ? rate / peer : 0.0);
	};
	line("RAW 28x28 uint8 (kafkaml)", raw_rate, 784, peer_raw);
	line("RAW 28x28 uint8 (numpy frombuffer)", peer_raw, 784, peer_raw);
	line("AVRO 3 floats (kafkaml)", avro_rate, avro_bytes, peer_avro);
	line("AVRO 3 floats (avro-c)", avro_c_rate, avro_bytes, peer_avro);
	line("AVRO 3 floats (python3-avro)", peer_avro, avro_bytes, peer_avro);
	std::printf("targets: AVRO >= 50x python3-avro: %s; RAW >= 1 GB/s: %s\n",
	            peer_avro > 0 && avro_rate / peer_avro >= 50 ? "met" : "NOT met",
	            raw_rate * 784 >= 1e9 ? "met" : "NOT met");
	std::printf("kafkaml AVRO vs avro-c: %.1fx\n", avro_rate / avro_c_rate);
	return 0;
}
