#pragma once
// A strict SemVer 2.0.0 version (no "v" prefix, no leading zeros, at most 256
// characters), ordered by SemVer precedence (build metadata ignored).

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace depot::model {

class Semver {
  public:
    [[nodiscard]] static Semver parse(std::string_view s);  // throws bad_request()
    [[nodiscard]] static bool valid(std::string_view s) noexcept;

    const std::string& str() const noexcept { return text_; }
    bool prerelease() const noexcept { return !pre_.empty(); }

    friend std::strong_ordering operator<=>(const Semver& a, const Semver& b);
    friend bool operator==(const Semver& a, const Semver& b) { return (a <=> b) == 0; }

  private:
    Semver() = default;
    std::string text_;
    std::uint64_t major_ = 0, minor_ = 0, patch_ = 0;
    std::vector<std::string> pre_;
};

// A version that may be published: SemVer without build metadata. npm's
// semver ignores "+…", so "1.0.0+x" would install as 1.0.0 with other bytes,
// even after 1.0.0 was unpublished (SPEC §5). Throws bad_request().
[[nodiscard]] Semver parse_publish_version(std::string_view s);

// A dist-tag: URL-safe, not empty, and not something npm would read as a
// version or range ("1.0.0", "v1", "^1", "x", "*", "latest" is fine).
[[nodiscard]] std::string parse_dist_tag(std::string_view s);  // throws bad_request()

}  // namespace depot::model
