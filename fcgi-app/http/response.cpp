#include "http/response.hpp"

#include <strings.h>

#include "http/request.hpp"

namespace depot::http {

const std::string& Request::param(std::string_view name) const {
    static const std::string kEmpty;
    for (const auto& [k, v] : params) {
        if (k == name) return v;
    }
    return kEmpty;
}

std::string_view Response::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
    }
    return {};
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Entity";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

Response json(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.set("Content-Type", std::move(content_type));
    r.body = std::move(body);
    return r;
}

Response html(int status, std::string body) {
    Response r;
    r.status = status;
    r.set("Content-Type", "text/html; charset=utf-8");
    r.body = std::move(body);
    return r;
}

}  // namespace depot::http
