// libFuzzer: URL decoding, path splitting, form bodies and the router with
// the real route table (what every request's first bytes meet).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/routes.hpp"
#include "error.hpp"
#include "http/router.hpp"
#include "http/uri.hpp"

namespace {

const depot::http::Router& router() {
    static const depot::http::Router r = [] {
        std::vector<depot::http::RouteSpec> specs;
        for (const auto& route : depot::api::routes())
            specs.push_back({route.method, route.pattern});
        return depot::http::Router{specs};
    }();
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in{reinterpret_cast<const char*>(data), size};
    (void)depot::http::percent_decode(in, false);
    (void)depot::http::percent_decode(in, true);
    (void)depot::http::valid_utf8(in);
    (void)depot::http::percent_encode(in);
    try {
        const auto fields = depot::http::parse_form(in);
        (void)depot::http::find_field(fields, "name");
    } catch (const depot::HttpError& e) {
        if (e.status() != 400) throw;  // a malformed form is a 400: expected
    }
    try {
        const auto segments = depot::http::split_path(in);
        for (const auto m : {depot::http::Method::Get, depot::http::Method::Put,
                             depot::http::Method::Post, depot::http::Method::Delete}) {
            (void)router().match(m, segments);
        }
    } catch (const depot::HttpError& e) {
        if (e.status() != 400) throw;  // a malformed path is a 400: expected
    }
    return 0;
}
