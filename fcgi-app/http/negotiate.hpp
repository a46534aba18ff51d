#pragma once
// Content negotiation. npm and yarn ask for JSON (or send */* or nothing);
// browsers put text/html first. The packument has two JSON forms (protocol §9.1).

#include <string_view>

namespace depot::http {

// True when the client ranks text/html above every JSON type it names.
[[nodiscard]] bool wants_html(std::string_view accept);

// True when application/vnd.npm.install-v1+json ranks at least as high as
// application/json: the abbreviated ("corgi") packument.
[[nodiscard]] bool wants_abbreviated(std::string_view accept);

// The q-value the Accept header gives to this exact type (0 when absent).
[[nodiscard]] double quality_of(std::string_view accept, std::string_view type);

}  // namespace depot::http
