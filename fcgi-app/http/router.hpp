#pragma once
// (method, path) → route index. Patterns are "/"-separated: literal segments,
// "{name}" (one segment) and "{pkg}" (a package name: one segment, or the two
// segments "@scope" "name" of an unencoded scoped name, protocol §1.2).
// First match in table order wins. A path that matches with another method is
// a 405 (with Allow), else 404. HEAD is served by GET routes.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/method.hpp"

namespace depot::http {

struct RouteSpec {
    Method method;
    std::string_view pattern;
};

struct Match {
    enum class Kind { Found, NotFound, MethodNotAllowed } kind = Kind::NotFound;
    std::size_t index = 0;
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  // for 405: "GET, HEAD, PUT"
};

class Router {
  public:
    explicit Router(const std::vector<RouteSpec>& specs);

    [[nodiscard]] Match match(Method method, const std::vector<std::string>& segments) const;

  private:
    struct Segment {
        enum class Kind { Literal, Param, Package } kind;
        std::string text;  // literal text or parameter name
    };
    struct Route {
        Method method;
        std::vector<Segment> segments;
    };

    [[nodiscard]] static bool match_route(const Route& r, const std::vector<std::string>& segs,
                                          std::vector<std::pair<std::string, std::string>>& params);

    std::vector<Route> routes_;
};

}  // namespace depot::http
