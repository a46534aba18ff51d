#include "http/router.hpp"

#include <stdexcept>

namespace depot::http {

Router::Router(const std::vector<RouteSpec>& specs) {
    for (const auto& spec : specs) {
        if (spec.pattern.empty() || spec.pattern.front() != '/') {
            throw std::invalid_argument("route pattern must start with '/': " +
                                        std::string{spec.pattern});
        }
        Route route{spec.method, {}};
        std::string_view rest = spec.pattern.substr(1);
        while (!rest.empty()) {
            const auto slash = rest.find('/');
            const auto seg = rest.substr(0, slash);
            if (seg == "{pkg}") {
                route.segments.push_back({Segment::Kind::Package, "pkg"});
            } else if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
                route.segments.push_back(
                    {Segment::Kind::Param, std::string{seg.substr(1, seg.size() - 2)}});
            } else {
                route.segments.push_back({Segment::Kind::Literal, std::string{seg}});
            }
            if (slash == std::string_view::npos) break;
            rest.remove_prefix(slash + 1);
        }
        routes_.push_back(std::move(route));
    }
}

bool Router::match_route(const Route& r, const std::vector<std::string>& segs,
                         std::vector<std::pair<std::string, std::string>>& params) {
    params.clear();
    std::size_t i = 0;
    for (const auto& seg : r.segments) {
        if (i >= segs.size()) return false;
        switch (seg.kind) {
            case Segment::Kind::Literal:
                if (segs[i] != seg.text) return false;
                ++i;
                break;
            case Segment::Kind::Param:
                if (segs[i].empty()) return false;
                params.emplace_back(seg.text, segs[i]);
                ++i;
                break;
            case Segment::Kind::Package: {
                const auto& first = segs[i];
                if (first.empty() || first == "-") return false;
                // "/@scope/name/..." arrives as two segments; "/@scope%2fname" as one.
                if (first.front() == '@' && first.find('/') == std::string::npos &&
                    i + 1 < segs.size()) {
                    params.emplace_back(seg.text, first + "/" + segs[i + 1]);
                    i += 2;
                } else {
                    params.emplace_back(seg.text, first);
                    ++i;
                }
                break;
            }
        }
    }
    return i == segs.size();
}

Match Router::match(Method method, const std::vector<std::string>& segments) const {
    Match m;
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<Method> allowed;
    const Method wanted = method == Method::Head ? Method::Get : method;
    for (std::size_t idx = 0; idx < routes_.size(); ++idx) {
        const auto& route = routes_[idx];
        if (!match_route(route, segments, params)) continue;
        if (route.method == wanted) {
            m.kind = Match::Kind::Found;
            m.index = idx;
            m.params = std::move(params);
            return m;
        }
        bool seen = false;
        for (const auto a : allowed) seen = seen || a == route.method;
        if (!seen) allowed.push_back(route.method);
    }
    if (!allowed.empty()) {
        m.kind = Match::Kind::MethodNotAllowed;
        for (const auto a : allowed) {
            if (!m.allow.empty()) m.allow += ", ";
            m.allow += method_name(a);
            if (a == Method::Get) m.allow += ", HEAD";
        }
    }
    return m;
}

}  // namespace depot::http
