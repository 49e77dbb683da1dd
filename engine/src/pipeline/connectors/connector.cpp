#include "pipeline/connectors/connector.hpp"

#include <ferry/codec.hpp>

namespace ferry::pipeline {

void SinkWriter::add_encoded(std::string_view bytes) { add(codec::decode_value(bytes)); }

}  // namespace ferry::pipeline
