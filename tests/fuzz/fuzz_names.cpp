// libFuzzer: package names, versions, dist-tags and CIDR ranges, as they
// arrive in paths, bodies and token requests.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "error.hpp"
#include "model/cidr.hpp"
#include "model/package_name.hpp"
#include "model/semver.hpp"

namespace {

template <typename F>
void expect_4xx(F&& f) {
    try {
        f();
    } catch (const depot::HttpError& e) {
        if (e.status() < 400 || e.status() >= 500) throw;  // a 5xx for bad input is a finding
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in{reinterpret_cast<const char*>(data), size};
    (void)depot::model::PackageName::valid(in);
    expect_4xx([&] {
        const auto n = depot::model::PackageName::parse(in);
        (void)n.bare();
        (void)n.scope();
    });
    (void)depot::model::Semver::valid(in);
    expect_4xx([&] {
        const auto a = depot::model::Semver::parse(in);
        const auto b = depot::model::Semver::parse("1.2.3-beta.1");
        (void)(a < b);
        (void)a.str();
    });
    expect_4xx([&] { (void)depot::model::parse_publish_version(in); });
    expect_4xx([&] { (void)depot::model::parse_dist_tag(in); });
    expect_4xx([&] {
        const auto cidr = depot::model::parse_cidr(in);
        (void)depot::model::cidr_contains(cidr, "127.0.0.1");
        (void)depot::model::cidr_contains(cidr, "2001:db8::1");
    });
    (void)depot::model::cidr_contains(in, "10.1.2.3");
    (void)depot::model::cidr_contains("10.0.0.0/8", in);
    return 0;
}
