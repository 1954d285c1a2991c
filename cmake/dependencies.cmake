# Every third-party library comes from Debian 12 packages (see
# scripts/debian-packages.txt); nothing is downloaded at configure time.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++ rdkafka)
pkg_check_modules(AVRO REQUIRED IMPORTED_TARGET avro-c)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
# Keras weights files (.h5) for keras.applications bases (src/ml/keras_weights.h).
pkg_check_modules(HDF5 REQUIRED IMPORTED_TARGET hdf5)
# Kubeconfig files for the Kubernetes executor (src/executors/kube_client.h).
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED)
# The record-batch codecs Kafka producers use, for the broker's batch checks.
pkg_check_modules(CODECS REQUIRED IMPORTED_TARGET libzstd liblz4 snappy)
if(KAFKAML_TESTS)
  find_package(GTest REQUIRED)
endif()
find_package(prometheus-cpp REQUIRED)
if(KAFKAML_BENCH AND NOT KAFKAML_FUZZ)
  find_package(benchmark REQUIRED)
endif()
if(KAFKAML_WITH_TORCH AND NOT KAFKAML_FUZZ)
  find_package(Torch REQUIRED)
endif()
