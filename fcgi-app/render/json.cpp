#include "render/json.hpp"

namespace depot::render {

std::string error_json(std::string_view message) {
    JsonWriter w;
    w.begin_object().field("error", message).end_object();
    return w.str();
}

}  // namespace depot::render
