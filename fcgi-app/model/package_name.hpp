#pragma once
// A package name that passed validate-npm-package-name's rules for new
// packages: lower case, URL-safe, no leading '.', '_' or '-', at most 214
// characters, not node_modules/favicon.ico, not a Node core module.
// Scoped names are "@scope/name" with both parts following the same rules.

#include <string>
#include <string_view>

namespace depot::model {

class PackageName {
  public:
    // Throws bad_request() naming the rule that failed.
    [[nodiscard]] static PackageName parse(std::string_view s);
    [[nodiscard]] static bool valid(std::string_view s) noexcept;

    const std::string& str() const noexcept { return name_; }
    bool scoped() const noexcept { return slash_ != std::string::npos; }
    // "acme" for "@acme/widget", empty when unscoped.
    std::string_view scope() const;
    // "widget" for "@acme/widget"; the name itself when unscoped.
    std::string_view bare() const;
    // The canonical tarball file name: "widget-1.0.0.tgz" (protocol §10).
    std::string tarball_file(std::string_view version) const;

    friend bool operator==(const PackageName&, const PackageName&) = default;

  private:
    explicit PackageName(std::string s);
    std::string name_;
    std::size_t slash_;
};

}  // namespace depot::model
