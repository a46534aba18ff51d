#include "render/markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <sys/resource.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>

namespace depot::render {
namespace {

void register_extensions() {
    static std::once_flag once;
    std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

struct ParserFree {
    void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeFree {
    void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct CharFree {
    void operator()(char* s) const { free(s); }  // NOLINT: cmark allocates with malloc
};

}  // namespace

std::string markdown_to_html(std::string_view markdown) {
    register_extensions();
    // No CMARK_OPT_UNSAFE: raw HTML and javascript: links are dropped.
    const int options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
    const std::unique_ptr<cmark_parser, ParserFree> parser{cmark_parser_new(options)};
    for (const char* name : {"table", "strikethrough", "autolink", "tagfilter", "tasklist"}) {
        if (auto* ext = cmark_find_syntax_extension(name))
            cmark_parser_attach_syntax_extension(parser.get(), ext);
    }
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    const std::unique_ptr<cmark_node, NodeFree> doc{cmark_parser_finish(parser.get())};
    const std::unique_ptr<char, CharFree> html{
        cmark_render_html(doc.get(), options, cmark_parser_get_syntax_extensions(parser.get()))};
    return html ? std::string{html.get()} : std::string{};
}

int run_markdown_filter() {
    // The parent kills this process at its deadline; this backstop holds if the parent dies.
    const rlimit cpu{10, 10};
    setrlimit(RLIMIT_CPU, &cpu);
    const std::string in{std::istreambuf_iterator<char>{std::cin},
                         std::istreambuf_iterator<char>{}};
    const auto html = markdown_to_html(in);
    return std::fwrite(html.data(), 1, html.size(), stdout) == html.size() ? 0 : 1;
}

}  // namespace depot::render
