#include "http/method.hpp"

namespace depot::http {

Method parse_method(std::string_view s) {
    if (s == "GET") return Method::Get;
    if (s == "HEAD") return Method::Head;
    if (s == "PUT") return Method::Put;
    if (s == "POST") return Method::Post;
    if (s == "DELETE") return Method::Delete;
    if (s == "PATCH") return Method::Patch;
    if (s == "OPTIONS") return Method::Options;
    return Method::Other;
}

std::string_view method_name(Method m) {
    switch (m) {
        case Method::Get:
            return "GET";
        case Method::Head:
            return "HEAD";
        case Method::Put:
            return "PUT";
        case Method::Post:
            return "POST";
        case Method::Delete:
            return "DELETE";
        case Method::Patch:
            return "PATCH";
        case Method::Options:
            return "OPTIONS";
        case Method::Other:
            break;
    }
    return "OTHER";
}

}  // namespace depot::http
