#include "services/readme.hpp"

#include "config.hpp"
#include "log.hpp"
#include "services/child_process.hpp"

namespace depot::services {

std::string truncate_readme(std::string_view text, std::size_t max) {
    if (text.size() <= max) return std::string{text};
    std::size_t end = max;
    // Back up over UTF-8 continuation bytes (high bits 10) to the start of a character.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return std::string{text.substr(0, end)};
}

std::string render_readme(const Config& config, std::string_view markdown) {
    if (markdown.empty()) return {};
    const auto r =
        run_child({"/proc/self/exe", "--render-markdown"}, markdown,
                  std::chrono::milliseconds(config.readme_render_ms), markdown.size() * 16 + 4096);
    if (!r.exited || r.exit_status != 0) {
        log::warn(r.timed_out ? "a README took longer than readme_render_ms to render; it is shown "
                                "as text"
                              : "a README could not be rendered; it is shown as text");
        return {};
    }
    return r.output;
}

}  // namespace depot::services
