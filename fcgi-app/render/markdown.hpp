#pragma once
// README Markdown to HTML with cmark-gfm, GitHub's own library. Raw HTML in
// the source is never passed through (cmark-gfm's safe default replaces it
// with a comment) and the tagfilter extension neutralises what remains.

#include <string>
#include <string_view>

namespace depot::render {

[[nodiscard]] std::string markdown_to_html(std::string_view markdown);

// The --render-markdown mode of depot-fcgi and depotctl (services/readme runs
// it under a deadline): Markdown on stdin, HTML on stdout. Returns the exit status.
int run_markdown_filter();

}  // namespace depot::render
