// libFuzzer: any JSON body depot parses (depth check, parse, duplicate keys)
// and the publish body, the largest and most structured one.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "api/publish_body.hpp"
#include "error.hpp"
#include "model/package_name.hpp"
#include "render/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in{reinterpret_cast<const char*>(data), size};
    (void)depot::render::json_depth_within(in, depot::render::kMaxJsonDepth);
    rapidjson::Document doc;
    if (depot::render::parse_json(doc, in)) {
        (void)depot::render::has_duplicate_keys(doc);
        if (doc.IsObject()) (void)depot::render::string_member(doc, "name");
    }
    static const auto plain = depot::model::PackageName::parse("fuzz-pkg");
    static const auto scoped = depot::model::PackageName::parse("@fuzz/pkg");
    (void)depot::api::is_publish_body(in);
    for (const auto* name : {&plain, &scoped}) {
        try {
            (void)depot::api::parse_publish_body(*name, in);
        } catch (const depot::HttpError& e) {
            if (e.status() >= 500) throw;  // bad input must be a 4xx
        }
    }
    return 0;
}
