// libFuzzer: reading a published tarball (zlib into libarchive, the strict
// tar shape scanner, package/package.json) under the configured budgets.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config.hpp"
#include "error.hpp"
#include "services/tarball_contents.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const depot::Config config = [] {
        depot::Config c;
        c.tarball_max_inflated = 8u << 20;  // the fuzzer's memory, not the product's default
        c.tarball_max_seconds = 5;
        return c;
    }();
    const std::string_view in{reinterpret_cast<const char*>(data), size};
    try {
        (void)depot::services::read_tarball(config, in);
    } catch (const depot::HttpError& e) {
        if (e.status() >= 500) throw;  // a bad tarball is the client's: 4xx
    }
    return 0;
}
