#include "services/uplink_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <string_view>

#include "config.hpp"

namespace depot::services {
namespace {

struct Sink {
    UplinkResponse* out;
    std::uint64_t limit;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto& s = *static_cast<Sink*>(user);
    if (s.out->body.size() + size * n > s.limit) {
        s.too_large = true;
        return 0;
    }
    s.out->body.append(data, size * n);
    return size * n;
}

std::string trimmed(std::string_view v) {
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
        v.remove_suffix(1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return std::string{v};
}

// Validators of the final answer (a redirect's headers come first and are replaced).
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto& out = *static_cast<UplinkResponse*>(user);
    const std::string_view line{data, size * n};
    const auto colon = line.find(':');
    if (line.starts_with("HTTP/")) {
        out.etag.clear();
        out.last_modified.clear();
    } else if (colon != std::string_view::npos) {
        std::string name{line.substr(0, colon)};
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const auto value = trimmed(line.substr(colon + 1));
        // Only printable ASCII goes back to the uplink (and into the rows' ASCII columns).
        const bool printable = std::all_of(value.begin(), value.end(),
                                           [](char ch) { return ch >= 0x20 && ch <= 0x7e; });
        if (name == "etag" && printable && value.size() <= 500) out.etag = value;
        if (name == "last-modified" && printable && value.size() <= 64) out.last_modified = value;
    }
    return size * n;
}

struct CurlFree {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string origin_of(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    const auto end = url.find('/', scheme + 3);
    std::string o{url.substr(0, end)};
    for (auto& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return o;
}

}  // namespace

bool same_origin(const Uplink& uplink, const std::string& url) {
    return !url.empty() && origin_of(url) == origin_of(uplink.url) &&
           url.find_first_of(" \r\n\t") == std::string::npos;
}

UplinkResponse call_uplink(const Uplink& uplink, const UplinkRequest& request) {
    UplinkResponse out;
    const std::unique_ptr<CURL, CurlFree> curl{curl_easy_init()};
    if (!curl) {
        out.error = "curl_easy_init failed";
        return out;
    }
    const auto url = request.url.empty() ? uplink.url + request.path : request.url;
    const int timeout =
        request.timeout_seconds > 0 ? request.timeout_seconds : uplink.timeout_seconds;
    Sink sink{&out, request.max_bytes > 0 ? request.max_bytes : (64ull << 20)};
    std::unique_ptr<curl_slist, ListFree> headers;
    const auto add = [&](const std::string& h) {
        headers.reset(curl_slist_append(headers.release(), h.c_str()));
    };
    for (const auto& h : request.headers) add(h);
    if (!uplink.token.empty()) add("Authorization: Bearer " + uplink.token);
    add("npm-command:");  // never forwarded: the uplink learns nothing of the client

    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    // Redirects only for tarballs (a registry may send them to a CDN), whose
    // bytes are checked against the document's integrity: a JSON answer
    // from wherever an uplink points would be stored and served (SSRF).
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, request.decode ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(timeout, 10)));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(sink.limit));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "depot (uplink)");
    if (request.decode) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (!uplink.ca.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, uplink.ca.c_str());
    if (request.method == "POST") {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    } else if (request.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    }
    const auto rc = curl_easy_perform(c);
    if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        out.error = "larger than this registry takes from an uplink";
        out.body.clear();
        return out;
    }
    if (rc != CURLE_OK) {
        out.error = curl_easy_strerror(rc);
        out.status = 0;
        out.body.clear();
        return out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    return out;
}

}  // namespace depot::services
