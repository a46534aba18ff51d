#include "model/cidr.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>
#include <optional>

#include "error.hpp"

namespace depot::model {
namespace {

struct Addr {
    std::array<unsigned char, 16> bytes{};
    int bits = 0;         // 32 or 128
    bool mapped = false;  // ::ffff:a.b.c.d, kept as IPv4
};

std::optional<Addr> parse_addr(std::string_view s) {
    const std::string text{s};
    Addr a;
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        std::memcpy(a.bytes.data(), &v4, 4);
        a.bits = 32;
        return a;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        std::memcpy(a.bytes.data(), &v6, 16);
        a.bits = 128;
        static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(a.bytes.data(), kMapped, 12) == 0) {  // ::ffff:a.b.c.d
            std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
            a.bits = 32;
            a.mapped = true;
        }
        return a;
    }
    return std::nullopt;
}

struct Range {
    Addr base;
    int prefix = 0;
};

std::optional<Range> parse_range(std::string_view s) {
    const auto slash = s.find('/');
    const auto addr = parse_addr(s.substr(0, slash));
    if (!addr) return std::nullopt;
    Range r{*addr, addr->bits};
    if (slash != std::string_view::npos) {
        const auto bits = s.substr(slash + 1);
        int n = -1;
        const auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
        // A mapped address takes an IPv6 prefix (96 + IPv4 bits) or, as people
        // also write it, the IPv4 one.
        const int offset = addr->mapped && n > 32 ? 96 : 0;
        if (ec != std::errc{} || p != bits.data() + bits.size() || n < offset ||
            n > addr->bits + offset) {
            return std::nullopt;
        }
        r.prefix = n - offset;
    }
    return r;
}

}  // namespace

std::string parse_cidr(std::string_view s) {
    if (s.size() > 64 || !parse_range(s)) {
        throw bad_request("invalid CIDR range \"" + std::string{s.substr(0, 64)} + "\"");
    }
    return std::string{s};
}

bool cidr_contains(std::string_view cidr, std::string_view address) {
    const auto r = parse_range(cidr);
    const auto a = parse_addr(address);
    if (!r || !a || r->base.bits != a->bits) return false;
    int left = r->prefix;
    for (std::size_t i = 0; left > 0; ++i, left -= 8) {
        const int take = left >= 8 ? 8 : left;
        const auto mask = static_cast<unsigned char>(0xff << (8 - take));
        if ((r->base.bytes[i] & mask) != (a->bytes[i] & mask)) return false;
    }
    return true;
}

}  // namespace depot::model
