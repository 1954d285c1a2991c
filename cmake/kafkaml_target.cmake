# Shared compile settings. Every target of the project goes through
# kafkaml_target() so warnings-as-errors and sanitizers apply uniformly.

set(KAFKAML_WARNINGS
    -Wall -Wextra -Wpedantic -Werror
    -Wnon-virtual-dtor -Wcast-align -Wunused
    -Woverloaded-virtual -Wimplicit-fallthrough
    -Wno-missing-field-initializers)

if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND KAFKAML_WARNINGS -Wshadow=local)
endif()

if(KAFKAML_FUZZ)
  # Every library the fuzzers link is instrumented for coverage feedback;
  # the fuzz executables add the libFuzzer runtime (fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(KAFKAML_SANITIZE)
  set(KAFKAML_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                              -fno-sanitize-recover=undefined)
  add_compile_options(${KAFKAML_SANITIZER_FLAGS})
  add_link_options(${KAFKAML_SANITIZER_FLAGS})
endif()

# kafkaml_target(<target>): project warnings and include root on a target.
function(kafkaml_target target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${KAFKAML_WARNINGS}>)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()

# kafkaml_test(<name> SOURCES ... LIBS ... [LABELS ...] [FIXTURES name]):
# a GTest executable registered with CTest, linked with kafkaml_test_support
# (tests/support: child processes, temporary directories, ports). Label
# `unit` tests need nothing but the process itself and run under the
# sanitizers in CI; tests that start brokers, databases, Python or browsers
# are labelled `integration`; FIXTURES names a ctest fixture every test of
# the executable requires (e.g. `dockerd`, tests/docker).
function(kafkaml_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT;FIXTURES" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT KAFKAML_TESTS)
    # Declared, so that a module may still set the test's properties, but
    # never built or registered: GoogleTest need not be installed.
    add_executable(${name} EXCLUDE_FROM_ALL ${ARG_SOURCES})
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/test_process_setup.cpp)
  kafkaml_target(${name})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} kafkaml_test_support GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  # Tests find the built binary and the source tree through the environment.
  # gtest_discover_tests cannot carry a two-variable ENVIRONMENT list, so the
  # test runs under `env` (CMake runs a target's emulator for discovery and
  # for each test alike).
  set_target_properties(${name} PROPERTIES CROSSCOMPILING_EMULATOR
    "/usr/bin/env;KAFKAML_BIN=${CMAKE_BINARY_DIR}/kafkaml;KAFKAML_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  set(fixtures)
  if(ARG_FIXTURES)
    set(fixtures FIXTURES_REQUIRED ${ARG_FIXTURES})
  endif()
  include(GoogleTest)
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT} ${fixtures}
    DISCOVERY_TIMEOUT 60)
endfunction()
