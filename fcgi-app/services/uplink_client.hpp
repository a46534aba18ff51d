#pragma once
// HTTP to an uplink (issue 11), with libcurl: one request, bounded in time
// and size, with the uplink's CA and token. The token goes only to the
// uplink's own origin (libcurl drops it on a redirect to another host).

#include <cstdint>
#include <string>
#include <vector>

namespace depot {
struct Uplink;
}

namespace depot::services {

struct UplinkRequest {
    std::string path;  // after the uplink's URL: "/express", "/-/v1/search?text=…"
    std::string url;   // or a whole URL (a tarball's), which must be on the uplink's origin
    std::string method = "GET";
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    std::uint64_t max_bytes = 0;
    bool decode = true;  // ask for gzip and inflate it (documents); false: the bytes (tarballs)
    int timeout_seconds = 0;  // 0: the uplink's
};

struct UplinkResponse {
    long status = 0;    // 0 when no answer came (connect, timeout, TLS…)
    std::string error;  // why, when status is 0 or the body was too large
    std::string body;
    std::string etag;
    std::string last_modified;
    [[nodiscard]] bool failed() const { return status == 0 || status >= 500 || !error.empty(); }
};

[[nodiscard]] UplinkResponse call_uplink(const Uplink& uplink, const UplinkRequest& request);

// The uplink's origin ("https://host:port"): tarball URLs elsewhere are not fetched.
[[nodiscard]] bool same_origin(const Uplink& uplink, const std::string& url);

}  // namespace depot::services
