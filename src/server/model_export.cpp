#include "server/model_export.h"

#ifdef KAFKAML_HAS_ML_ENGINE
#include "ml/model.h"
#endif

namespace kafkaml::server {

api::PytorchExporter pytorch_exporter() {
#ifdef KAFKAML_HAS_ML_ENGINE
	return [](std::string_view blob) { return ml::Model::load(blob).export_pytorch(); };
#else
	return {};
#endif
}

} // namespace kafkaml::server
