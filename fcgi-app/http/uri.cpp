#include "http/uri.hpp"

#include <cstdint>

#include "error.hpp"

namespace depot::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int hi = hex_value(s[i + 1]);
            const int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            const auto byte = static_cast<char>(hi * 16 + lo);
            if (byte == '\0') return std::nullopt;
            out.push_back(byte);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else if (c == '\0') {
            return std::nullopt;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::vector<std::string> split_path(std::string_view raw_path) {
    if (raw_path.empty() || raw_path.front() != '/')
        throw bad_request("the path must start with '/'");
    std::vector<std::string> segments;
    if (raw_path == "/") return segments;
    std::size_t start = 1;
    while (true) {
        const auto slash = raw_path.find('/', start);
        const auto raw = raw_path.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        auto decoded = percent_decode(raw, false);
        if (!decoded) throw bad_request("the path has a malformed percent-escape");
        segments.push_back(std::move(*decoded));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return segments;
}

bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;  // cut short
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

Fields parse_form(std::string_view s) {
    Fields fields;
    std::size_t start = 0;
    while (start <= s.size()) {
        const auto amp = s.find('&', start);
        const auto pair =
            s.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            auto key = percent_decode(pair.substr(0, eq), true);
            auto value = eq == std::string_view::npos ? std::optional<std::string>{""}
                                                      : percent_decode(pair.substr(eq + 1), true);
            if (!key || !value) throw bad_request("malformed form or query encoding");
            // Every field is text: invalid UTF-8 stops here, at the edge (review L7).
            if (!valid_utf8(*key) || !valid_utf8(*value))
                throw bad_request("form and query fields must be UTF-8 text");
            fields.emplace_back(std::move(*key), std::move(*value));
        }
        if (amp == std::string_view::npos) break;
        start = amp + 1;
    }
    return fields;
}

std::optional<std::string> find_field(const Fields& fields, std::string_view name) {
    for (const auto& [k, v] : fields) {
        if (k == name) return v;
    }
    return std::nullopt;
}

std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '!' ||
                           c == '~' || c == '*' || c == '\'' || c == '(' || c == ')';
        if (plain) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

std::string cookie_value(std::string_view cookies, std::string_view name_eq) {
    std::size_t at = 0;
    while ((at = cookies.find(name_eq, at)) != std::string_view::npos) {
        if (at == 0 || cookies[at - 1] == ' ' || cookies[at - 1] == ';') {
            const auto value = cookies.substr(at + name_eq.size());
            return std::string{value.substr(0, value.find(';'))};
        }
        at += name_eq.size();
    }
    return {};
}

}  // namespace depot::http
