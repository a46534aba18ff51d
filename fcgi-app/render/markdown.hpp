#pragma once
// README Markdown to HTML with cmark-gfm, GitHub's own library. Raw HTML in
// the source is never passed through (cmark-gfm's safe default replaces it
// with a comment) and the tagfilter extension neutralises what remains.

#include <string>
#include <string_view>

namespace depot::render {

[[nodiscard]] std::string markdown_to_html(std::string_view markdown);

}  // namespace depot::render
