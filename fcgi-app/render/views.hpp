#pragma once
// The Mustache views from views/: every *.mustache file is a page, every
// partials/_NAME.mustache a partial {{>NAME}}. All are compiled and checked at
// start (kainjow does not throw on a bad template; we refuse to start).
// {{x}} is HTML-escaped; {{{x}}} is not allowed anywhere (CI greps for it).

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace depot::render {

struct ViewSources {
    std::map<std::string, std::string> pages;     // name → template text
    std::map<std::string, std::string> partials;  // name → template text
};

// Reads and validates; throws std::runtime_error naming the file.
[[nodiscard]] ViewSources load_view_sources(const std::string& dir);

// One per worker thread: kainjow's render() is not const.
class Views {
  public:
    explicit Views(const ViewSources& sources);
    ~Views();
    Views(const Views&) = delete;
    Views& operator=(const Views&) = delete;

    // Pages a handler can ask for; each builds its own data.
    [[nodiscard]] std::string error_page(int status, std::string_view reason,
                                         std::string_view message, std::string_view request_id);

    // npm web login: sign in (or sign up when create) and approve the CLI.
    [[nodiscard]] std::string login_page(bool create, std::string_view error,
                                         std::string_view name);
    [[nodiscard]] std::string login_done_page(std::string_view name);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace depot::render
