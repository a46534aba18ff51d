#include "services/link_versions.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "render/json.hpp"
#include "services/publish.hpp"

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

// Loopback, private, link-local, CGNAT, multicast and unspecified addresses.
bool is_private(const char* ip) {
    in_addr v4{};
    if (inet_pton(AF_INET, ip, &v4) == 1) {
        const auto a = ntohl(v4.s_addr);
        const auto in = [a](std::uint32_t net, int bits) {
            return (a >> (32 - bits)) == (net >> (32 - bits));
        };
        return in(0x7F000000, 8) || in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16) ||
               in(0xA9FE0000, 16) || in(0x64400000, 10) || in(0x00000000, 8) || in(0xE0000000, 4);
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, ip, &v6) == 1) {
        const auto* b = v6.s6_addr;
        static constexpr unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 0, 0, 0, 0, 0, 0, 1};
        static constexpr unsigned char kAny[16] = {};
        static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(b, kMapped, 12) == 0) {
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, b + 12, text, sizeof text);
            return is_private(text);
        }
        return std::memcmp(b, kLoopback, 16) == 0 || std::memcmp(b, kAny, 16) == 0 ||
               (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || b[0] == 0xff;
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
struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};

}  // namespace

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
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // worker threads
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(config.link_max_bytes));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &d);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "depot (version by link)");
    const auto rc = curl_easy_perform(c);
    if (d.refused_address) throw bad_request("the link points at a private or loopback address");
    if (d.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        throw HttpError(413, "the linked tarball is larger than this registry accepts");
    }
    if (rc == CURLE_OPERATION_TIMEDOUT)
        throw bad_request("the linked tarball took too long to download");
    if (rc != CURLE_OK) {
        throw bad_request(std::string{"the linked tarball could not be downloaded: "} +
                          curl_easy_strerror(rc));
    }
    return std::move(d.bytes);
}

std::string package_json_of(const std::string& tarball) {
    if (tarball.size() < 2 || static_cast<unsigned char>(tarball[0]) != 0x1f ||
        static_cast<unsigned char>(tarball[1]) != 0x8b) {
        throw bad_request("the linked file is not a gzip-compressed tarball");
    }
    const std::unique_ptr<archive, ArchiveFree> a{archive_read_new()};
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_memory(a.get(), tarball.data(), tarball.size()) != ARCHIVE_OK) {
        throw bad_request("the linked file is not a readable tarball");
    }
    archive_entry* entry = nullptr;
    while (true) {
        const int rc = archive_read_next_header(a.get(), &entry);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
            throw bad_request("the linked tarball is damaged");
        const char* path = archive_entry_pathname(entry);
        if (path && std::strcmp(path, "package/package.json") == 0) {
            const auto size = archive_entry_size(entry);
            if (size < 0 || size > (1 << 20))
                throw bad_request("package/package.json is larger than 1 MiB");
            std::string json(static_cast<std::size_t>(size), '\0');
            if (archive_read_data(a.get(), json.data(), json.size()) != size) {
                throw bad_request("package/package.json could not be read");
            }
            return json;
        }
    }
    throw bad_request("the linked tarball has no package/package.json");
}

void register_link_version(storage::Db& db, storage::TarballStore& store, const Config& config,
                           const Principal& who, const model::PackageName& name,
                           const std::string& version, const std::string& url) {
    const auto tarball = fetch_link(config, url);
    rapidjson::Document manifest;
    if (!render::parse_json(manifest, package_json_of(tarball)) || !manifest.IsObject()) {
        throw bad_request("package/package.json is not a JSON object");
    }
    if (render::string_member(manifest, "name") != name.str()) {
        throw bad_request("the linked tarball is another package, not " + name.str());
    }
    if (render::string_member(manifest, "version") != version) {
        throw bad_request("the linked tarball is another version, not " + version);
    }
    PublishInput in{name, version, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0};
    render::JsonWriter w;
    w.begin_object();
    for (auto it = manifest.MemberBegin(); it != manifest.MemberEnd(); ++it) {
        const std::string_view key{it->name.GetString(), it->name.GetStringLength()};
        if (key == "readme" || key.starts_with("_") || key == "dist") continue;
        w.key(key).value(it->value);
    }
    w.end_object();
    in.manifest = w.str();
    in.description = std::string{render::string_member(manifest, "description")};
    in.shasum = crypto::to_hex(crypto::sha1(tarball));
    in.integrity = "sha512-" + crypto::base64_encode(crypto::sha512(tarball));
    in.tarball_size = tarball.size();
    PublishOutcome outcome;
    if (config.link_keep_copy) {  // depot keeps the bytes and serves them itself
        in.tarball = tarball;
        outcome = publish(db, store, config, who, in);
    } else {
        in.tarball_url = url;
        outcome = publish_pointer(db, config, who, in);
    }
    // SPEC §3: registering a version that exists is an error, even the same bytes.
    if (outcome == PublishOutcome::AlreadyPublished) {
        throw conflict("version " + version + " of \"" + name.str() + "\" exists already");
    }
}

}  // namespace depot::services
