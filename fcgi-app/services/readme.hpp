#pragma once
// READMEs (issue 8, review H3): cut at readme_max_bytes as npm's registry
// cuts them in packuments, and rendered once, when a version is stored, by
// cmark-gfm in a child process (depot's own binary with --render-markdown)
// that is killed when readme_render_ms runs out. Pages serve the stored
// HTML; a README over the budget is shown as escaped text. cmark-gfm has
// inputs that cost quadratic time, and a worker must never pay that.

#include <string>
#include <string_view>

namespace depot {
struct Config;
}

namespace depot::services {

// At most max bytes, cut at a UTF-8 character boundary.
[[nodiscard]] std::string truncate_readme(std::string_view text, std::size_t max);

// The README as HTML (cmark-gfm, raw HTML dropped), or empty when it is empty
// or rendering went over the budget.
[[nodiscard]] std::string render_readme(const Config& config, std::string_view markdown);

}  // namespace depot::services
