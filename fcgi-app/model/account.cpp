#include "model/account.hpp"

#include "error.hpp"

namespace depot::model {

std::string parse_user_name(std::string_view s) {
    if (s.empty() || s.size() > 214) throw bad_request("invalid user name: 1 to 214 characters");
    if (s.front() == '.' || s.front() == '-' || s.front() == '_') {
        throw bad_request("invalid user name: must not start with '.', '-' or '_'");
    }
    for (const char c : s) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        if (!ok) {
            throw bad_request(
                "invalid user name: only lower-case a-z, 0-9, '-', '.' and '_' are allowed");
        }
    }
    return std::string{s};
}

bool valid_user_name(std::string_view s) noexcept {
    try {
        (void)parse_user_name(s);
        return true;
    } catch (...) {
        return false;
    }
}

std::string parse_email(std::string_view s) {
    if (s.empty() || s.size() > 254)
        throw bad_request("invalid email address: 1 to 254 characters");
    const auto at = s.find('@');
    if (at == std::string_view::npos || at == 0 || at > 64 ||
        s.find('@', at + 1) != std::string_view::npos) {
        throw bad_request("invalid email address");
    }
    const auto domain = s.substr(at + 1);
    const auto dot = domain.find('.');
    if (domain.empty() || dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos) {
        throw bad_request("invalid email address: the domain needs a dot");
    }
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' ||
            c == '\\') {
            throw bad_request("invalid email address: spaces and <>\",;\\ are not allowed");
        }
    }
    return std::string{s};
}

void check_password(std::string_view s) {
    if (s.size() < 8) throw bad_request("the password must have at least 8 characters");
    if (s.size() > 1024) throw bad_request("the password is longer than 1024 characters");
}

}  // namespace depot::model
