#pragma once

#include "formats/avro_schema.h"
#include "formats/table.h"
#include "sender/send_error.h"

#include <string>

namespace kafkaml::sender {

//! The bytes of the file `path`, or of stdin for "-". Throws
//! SendError when it cannot be opened.
//! Thread: any; stdin only from one thread.
std::string read_input(const std::string &path);

//! How errors name an input file ("stdin" for "-"). Pure.
std::string display_name(const std::string &path);

//! The dataset: a .npy by its magic (also on stdin) or name, else CSV with a
//! header. Throws SendError naming the file when it cannot be read
//! or parsed, or holds no rows. Thread: as read_input.
formats::Table load_table(const std::string &path);

//! The Avro schema in the file `path`; `which` is "data" or "label", and
//! errors name the option (--data-scheme, --label-scheme) and the file.
//! Thread: as read_input.
formats::AvroSchema read_scheme(const std::string &path, const char *which);

} // namespace kafkaml::sender
