// libFuzzer: what depot reads from request headers: Accept negotiation,
// Basic credentials (strict base64, then name:password), cookies.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/crypto.hpp"
#include "http/negotiate.hpp"
#include "http/uri.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in{reinterpret_cast<const char*>(data), size};
    (void)depot::http::wants_html(in);
    (void)depot::http::wants_abbreviated(in);
    (void)depot::http::quality_of(in, "application/json");
    if (const auto decoded = depot::crypto::base64_decode(in)) {
        const auto colon = decoded->find(':');
        if (colon != std::string::npos) (void)decoded->substr(colon + 1);
    }
    (void)depot::http::cookie_value(in, "depot_session=");
    (void)depot::http::cookie_value(in, "depot_switch=");
    return 0;
}
