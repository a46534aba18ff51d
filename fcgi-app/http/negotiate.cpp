#include "http/negotiate.hpp"

#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace depot::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// q of one media range "type;a=b;q=0.5"; 1 when absent, 0 when malformed.
double range_quality(std::string_view params) {
    while (!params.empty()) {
        const auto semi = params.find(';');
        const auto p = trim(params.substr(0, semi));
        if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            const std::string value{p.substr(2)};
            char* end = nullptr;
            const double q = std::strtod(value.c_str(), &end);
            if (end == value.c_str() || *end != '\0') return 0;
            return std::clamp(q, 0.0, 1.0);
        }
        if (semi == std::string_view::npos) break;
        params.remove_prefix(semi + 1);
    }
    return 1;
}

}  // namespace

double quality_of(std::string_view accept, std::string_view type) {
    double best = 0;
    while (!accept.empty()) {
        const auto comma = accept.find(',');
        const auto range = trim(accept.substr(0, comma));
        const auto semi = range.find(';');
        const auto media = trim(range.substr(0, semi));
        if (iequals(media, type)) {
            best = std::max(
                best, semi == std::string_view::npos ? 1.0 : range_quality(range.substr(semi + 1)));
        }
        if (comma == std::string_view::npos) break;
        accept.remove_prefix(comma + 1);
    }
    return best;
}

bool wants_html(std::string_view accept) {
    const double html =
        std::max(quality_of(accept, "text/html"), quality_of(accept, "application/xhtml+xml"));
    if (html <= 0) return false;
    const double json = std::max(quality_of(accept, "application/json"),
                                 quality_of(accept, "application/vnd.npm.install-v1+json"));
    return html > json;
}

bool wants_abbreviated(std::string_view accept) {
    const double corgi = quality_of(accept, "application/vnd.npm.install-v1+json");
    return corgi > 0 && corgi >= quality_of(accept, "application/json");
}

}  // namespace depot::http
