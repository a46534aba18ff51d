#include "model/semver.hpp"

#include <optional>

#include "error.hpp"

namespace depot::model {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool all_digits(std::string_view s) {
    for (const char c : s) {
        if (!is_digit(c)) return false;
    }
    return !s.empty();
}

std::optional<std::uint64_t> numeric(std::string_view s) {
    if (!all_digits(s) || (s.size() > 1 && s.front() == '0') || s.size() > 16) return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : s) n = n * 10 + static_cast<std::uint64_t>(c - '0');
    return n;
}

// Dot-separated identifiers; numeric ones without leading zeros when strict.
std::optional<std::vector<std::string>> identifiers(std::string_view s, bool numeric_strict) {
    std::vector<std::string> out;
    while (true) {
        const auto dot = s.find('.');
        const auto id = s.substr(0, dot);
        if (id.empty()) return std::nullopt;
        for (const char c : id) {
            if (!is_ident_char(c)) return std::nullopt;
        }
        if (numeric_strict && all_digits(id) && id.size() > 1 && id.front() == '0')
            return std::nullopt;
        out.emplace_back(id);
        if (dot == std::string_view::npos) break;
        s.remove_prefix(dot + 1);
    }
    return out;
}

}  // namespace

Semver Semver::parse(std::string_view s) {
    if (s.empty() || s.size() > 256)
        throw bad_request("invalid version: empty or longer than 256 characters");
    const auto plus = s.find('+');
    const auto core_pre = s.substr(0, plus);
    if (plus != std::string_view::npos && !identifiers(s.substr(plus + 1), false)) {
        throw bad_request("invalid version \"" + std::string{s} + "\": bad build metadata");
    }
    const auto dash = core_pre.find('-');
    const auto core = core_pre.substr(0, dash);
    Semver v;
    std::uint64_t* parts[] = {&v.major_, &v.minor_, &v.patch_};
    std::string_view rest = core;
    for (int i = 0; i < 3; ++i) {
        const auto dot = rest.find('.');
        if ((i < 2) == (dot == std::string_view::npos)) {
            throw bad_request("invalid version \"" + std::string{s} + "\": not MAJOR.MINOR.PATCH");
        }
        const auto n = numeric(rest.substr(0, dot));
        if (!n)
            throw bad_request("invalid version \"" + std::string{s} + "\": not MAJOR.MINOR.PATCH");
        *parts[i] = *n;
        if (dot != std::string_view::npos) rest.remove_prefix(dot + 1);
    }
    if (dash != std::string_view::npos) {
        auto pre = identifiers(core_pre.substr(dash + 1), true);
        if (!pre) throw bad_request("invalid version \"" + std::string{s} + "\": bad prerelease");
        v.pre_ = std::move(*pre);
    }
    v.text_ = std::string{s};
    return v;
}

bool Semver::valid(std::string_view s) noexcept {
    try {
        (void)parse(s);
        return true;
    } catch (...) {
        return false;
    }
}

std::strong_ordering operator<=>(const Semver& a, const Semver& b) {
    if (auto c = a.major_ <=> b.major_; c != 0) return c;
    if (auto c = a.minor_ <=> b.minor_; c != 0) return c;
    if (auto c = a.patch_ <=> b.patch_; c != 0) return c;
    // A version without prerelease ranks above one with.
    if (a.pre_.empty() && b.pre_.empty()) return std::strong_ordering::equal;
    if (a.pre_.empty()) return std::strong_ordering::greater;
    if (b.pre_.empty()) return std::strong_ordering::less;
    for (std::size_t i = 0; i < a.pre_.size() && i < b.pre_.size(); ++i) {
        const auto& x = a.pre_[i];
        const auto& y = b.pre_[i];
        const bool xn = all_digits(x), yn = all_digits(y);
        if (xn && yn) {
            if (auto c = x.size() <=> y.size(); c != 0) return c;
            if (auto c = x <=> y; c != 0) return c;
        } else if (xn != yn) {
            return xn ? std::strong_ordering::less : std::strong_ordering::greater;
        } else if (auto c = x <=> y; c != 0) {
            return c;
        }
    }
    return a.pre_.size() <=> b.pre_.size();
}

std::string parse_dist_tag(std::string_view s) {
    const std::string quoted = "\"" + std::string{s.substr(0, 100)} + "\"";
    if (s.empty() || s.size() > 214) throw bad_request("invalid dist-tag " + quoted);
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
                        c == '-' || c == '.' || c == '_';
        if (!ok)
            throw bad_request("invalid dist-tag " + quoted +
                              ": only letters, digits, '-', '.', '_'");
    }
    // npm refuses tags that are valid semver ranges: "1", "1.2", "v1", "x", "X".
    const bool looks_like_range = is_digit(s.front()) ||
                                  ((s.front() == 'v' || s.front() == 'V' || s.front() == '=') &&
                                   s.size() > 1 && is_digit(s[1])) ||
                                  s == "x" || s == "X";
    if (looks_like_range)
        throw bad_request("invalid dist-tag " + quoted +
                          ": a tag must not look like a version or range");
    return std::string{s};
}

Semver parse_publish_version(std::string_view s) {
    auto v = Semver::parse(s);
    if (v.str().find('+') != std::string::npos) {
        throw bad_request("version " + v.str() +
                          " has build metadata (+...), which npm ignores; publish it without");
    }
    return v;
}

}  // namespace depot::model
