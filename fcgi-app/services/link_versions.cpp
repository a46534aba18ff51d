#include "services/link_versions.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "log.hpp"
#include "model/semver.hpp"
#include "render/json.hpp"
#include "services/gates.hpp"
#include "services/manifest_rules.hpp"
#include "services/package_write.hpp"
#include "services/publish.hpp"
#include "services/rate_limits.hpp"
#include "services/tarball_contents.hpp"

namespace depot::services {
namespace {

struct Download {
    std::string bytes;
    std::size_t limit = 0;
    bool too_large = false;
    bool allow_private = false;
    bool refused_address = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
    auto& d = *static_cast<Download*>(user);
    if (d.bytes.size() + size * n > d.limit) {
        d.too_large = true;
        return 0;  // aborts the transfer
    }
    d.bytes.append(data, size * n);
    return size * n;
}

// Only global unicast addresses may be fetched (an allow-list, review I5/S4):
// IPv4 without the private, loopback, link-local, CGNAT, benchmarking,
// documentation, multicast and reserved ranges; IPv6 in 2000::/3 only, without
// documentation, Teredo and 6to4 (they embed IPv4 addresses). IPv4-mapped
// IPv6 is judged by its IPv4 address; IPv4-compatible (::/96), NAT64
// (64:ff9b::/96), site-local and unique-local forms are outside 2000::/3.
bool is_private(const char* ip) {  // NOLINT(misc-no-recursion): mapped IPv6 recurses once
    in_addr v4{};
    if (inet_pton(AF_INET, ip, &v4) == 1) {
        const auto a = ntohl(v4.s_addr);
        const auto in = [a](std::uint32_t net, int bits) {
            return (a >> (32 - bits)) == (net >> (32 - bits));
        };
        return in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) || in(0x7F000000, 8) ||
               in(0xA9FE0000, 16) || in(0xAC100000, 12) || in(0xC0000000, 24) ||
               in(0xC0000200, 24) || in(0xC0586300, 24) || in(0xC0A80000, 16) ||
               in(0xC6120000, 15) || in(0xC6336400, 24) || in(0xCB007100, 24) ||
               in(0xE0000000, 4) || in(0xF0000000, 4);
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, ip, &v6) == 1) {
        const auto* b = v6.s6_addr;
        static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(b, kMapped, 12) == 0) {
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, b + 12, text, sizeof text);
            return is_private(text);
        }
        const bool global_unicast = (b[0] & 0xe0) == 0x20;  // 2000::/3
        const bool documentation = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8;
        const bool teredo = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0;
        const bool six_to_four = b[0] == 0x20 && b[1] == 0x02;
        return !global_unicast || documentation || teredo || six_to_four;
    }
    return true;  // not an address we understand: refuse
}

// Runs before every connection libcurl makes (each address tried, each
// redirect hop): a private address is refused before any packet is sent.
curl_socket_t open_checked_socket(void* user, curlsocktype, curl_sockaddr* address) {
    auto& d = *static_cast<Download*>(user);
    char ip[INET6_ADDRSTRLEN] = "";
    if (address->family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr, ip,
                  sizeof ip);
    } else if (address->family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr, ip,
                  sizeof ip);
    }
    if (!d.allow_private && is_private(ip)) {
        d.refused_address = true;
        return CURL_SOCKET_BAD;
    }
    return ::socket(address->family, address->socktype, address->protocol);
}

struct CurlFree {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

}  // namespace

bool fetchable_address(const std::string& ip) { return !is_private(ip.c_str()); }

void init_link_fetching() { curl_global_init(CURL_GLOBAL_DEFAULT); }

std::string fetch_link(const Config& config, const std::string& url) {
    if (url.size() > 2048 || !(url.starts_with("https://") || url.starts_with("http://"))) {
        throw bad_request("the link must be an http:// or https:// URL");
    }
    const std::unique_ptr<CURL, CurlFree> curl{curl_easy_init()};
    if (!curl) throw std::runtime_error("curl_easy_init failed");
    Download d;
    d.limit = config.link_max_bytes;
    d.allow_private = config.link_allow_private;
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(config.link_timeout_seconds));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    // A server that trickles (under 1 KiB/s for 10 s) is given up on early.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // worker threads
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(config.link_max_bytes));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &d);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "depot (version by link)");
    // No proxy, whatever the worker's environment says: the address check
    // below must see the target itself, not a proxy (review S3).
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    const auto rc = curl_easy_perform(c);
    if (d.refused_address || d.too_large || rc != CURLE_OK) {
        // One answer for every failure, so the registry tells nobody which
        // hosts and ports it can reach (review M2); the log has the reason.
        log::info(std::string{"a version link could not be fetched: "} +
                  (d.refused_address ? "a private or reserved address"
                   : d.too_large     ? "larger than link_max_bytes"
                                     : curl_easy_strerror(rc)));
        throw bad_request("the link could not be fetched");
    }
    return std::move(d.bytes);
}

void register_link_version(storage::Db& db, storage::TarballStore& store, const Config& config,
                           Gates& gates, const Principal& who, const model::PackageName& name,
                           const std::string& version_text, const std::string& url) {
    const auto version = model::parse_publish_version(version_text).str();
    if (url.size() > 2048 || !(url.starts_with("https://") || url.starts_with("http://"))) {
        throw bad_request("the link must be an http:// or https:// URL");
    }
    // Who asks, before anything is fetched (review M2): an owner's or the
    // project's write token, on a package it may see. The check's
    // transaction ends here; publish() checks again when it records.
    {
        PackageWrite w{db, config, who, name};
        w.require_owner(PackageWrite::Project::Allowed);
    }
    rate_limit(db, "link-user", std::to_string(who.user_id), config.links_per_user, 3600,
               "too many versions registered by link from this account; try again later");
    // A slow link holds a worker: only a few downloads at once (review of issue 8).
    const auto pass =
        gates.links.enter("the registry is downloading other links right now; retry shortly");
    auto tarball = fetch_link(config, url);
    PublishInput in{name, version};
    in.manifest = manifest_from_tarball(config, tarball, name, version);
    rapidjson::Document manifest;
    (void)render::parse_json(manifest, in.manifest);
    in.description = std::string{render::string_member(manifest, "description")};
    in.shasum = crypto::to_hex(crypto::sha1(tarball));
    in.integrity = "sha512-" + crypto::base64_encode(crypto::sha512(tarball));
    in.tarball_size = tarball.size();
    PublishOutcome outcome;
    if (config.link_keep_copy) {  // depot keeps the bytes and serves them itself
        in.tarball = std::move(tarball);
        outcome = publish(db, store, config, gates, who, std::move(in));
    } else {
        in.tarball_url = url;
        outcome = publish_pointer(db, config, who, std::move(in));
    }
    // SPEC §3: registering a version that exists is an error, even the same bytes.
    if (outcome == PublishOutcome::AlreadyPublished) {
        throw conflict("version " + version + " of \"" + name.str() + "\" exists already");
    }
}

}  // namespace depot::services
