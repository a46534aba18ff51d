#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace depot::http {

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    Response& set(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    [[nodiscard]] std::string_view header(std::string_view name) const;
};

[[nodiscard]] std::string_view reason_phrase(int status);
// A JSON response; body must be JSON text (render/ makes it).
[[nodiscard]] Response json(int status, std::string body,
                            std::string content_type = "application/json");
[[nodiscard]] Response html(int status, std::string body);

}  // namespace depot::http
