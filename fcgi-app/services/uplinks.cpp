#include "services/uplinks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "http/gzip.hpp"
#include "http/uri.hpp"
#include "log.hpp"
#include "model/package_name.hpp"
#include "render/json.hpp"
#include "render/upstream.hpp"
#include "services/documents.hpp"
#include "services/gates.hpp"
#include "services/metrics.hpp"
#include "services/uplink_client.hpp"
#include "services/uplink_signatures.hpp"
#include "storage/db.hpp"
#include "storage/doc_file.hpp"
#include "storage/io_error.hpp"
#include "storage/package_repo.hpp"
#include "storage/tarball_store.hpp"
#include "storage/upstream_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFull = "full.json";
constexpr const char* kAbbreviated = "abbrev.corgi";
constexpr const char* kRaw = "raw.json.gz";

[[noreturn]] void fail(const std::string& what) { storage::throw_io_error("uplinks", what); }

// What the uplink answered, as npm shows it: a 502 with the reason.
HttpError bad_gateway(const std::string& message) { return HttpError{502, message}; }

// A file under ROOT/.tmp holding text gzipped (or bytes as they are), to be
// renamed into place; deleted unless it was.
class TempFile {
  public:
    TempFile(const std::string& root, std::string_view bytes, bool gzip) {
        const auto dir = root + "/.tmp";
        std::error_code ec;
        fs::create_directories(dir, ec);
        path_ = dir + "/uplink-XXXXXX";
        const int fd = ::mkstemp(path_.data());
        if (fd < 0) fail("mkstemp in " + dir);
        ::fchmod(fd, 0644);
        try {
            if (gzip) {
                storage::DocPlan plan;
                plan.fixed.emplace_back(bytes);
                (void)storage::write_document(fd, plan, nullptr);
            } else {
                while (!bytes.empty()) {
                    const auto n = ::write(fd, bytes.data(), bytes.size());
                    if (n < 0 && errno == EINTR) continue;
                    if (n < 0) fail("write " + path_);
                    bytes.remove_prefix(static_cast<std::size_t>(n));
                }
            }
            if (::fsync(fd) != 0) fail("fsync " + path_);  // no empty file after a power loss
        } catch (...) {
            ::close(fd);
            ::unlink(path_.c_str());
            throw;
        }
        ::close(fd);
    }
    ~TempFile() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    void move_to(const std::string& to) {
        make_dirs(fs::path{to}.parent_path());
        if (::rename(path_.c_str(), to.c_str()) != 0) fail("rename to " + to);
        path_.clear();
    }

  private:
    std::string path_;
};

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// The path of name on the uplink: "/express", "/@types%2fnode".
std::string upstream_path(const model::PackageName& name) {
    auto s = name.str();
    if (const auto slash = s.find('/'); slash != std::string::npos) s.replace(slash, 1, "%2f");
    return "/" + s;
}

// As npm's ssri checks: the strongest algorithm the integrity names decides,
// and any of its entries may match ("sha512-… sha512-…?opts" too); shasum
// (SHA-1 hex) only when there is no integrity at all. Nothing to check
// against: not kept.
bool npm_integrity_matches(const render::UpstreamDist& dist, std::string_view bytes) {
    struct Algo {
        const char* prefix;
        std::string (*hash)(std::string_view);
    };
    static constexpr Algo kStrongestFirst[] = {{"sha512-", crypto::sha512},
                                               {"sha384-", crypto::sha384},
                                               {"sha256-", crypto::sha256},
                                               {"sha1-", crypto::sha1}};
    std::vector<std::string_view> entries;
    std::string_view rest = dist.integrity;
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(" \t\r\n");
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        const auto end = rest.find_first_of(" \t\r\n");
        auto entry = rest.substr(0, end);
        entry = entry.substr(0, entry.find('?'));  // options are not part of the digest
        entries.push_back(entry);
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end);
    }
    for (const auto& algo : kStrongestFirst) {
        std::string digest;
        for (const auto e : entries) {
            if (!e.starts_with(algo.prefix)) continue;
            if (digest.empty()) digest = crypto::base64_encode(algo.hash(bytes));
            if (e.substr(std::strlen(algo.prefix)) == digest) return true;
        }
        if (!digest.empty()) return false;  // the strongest present did not match
    }
    if (entries.empty() && dist.shasum.size() == 40)
        return crypto::to_hex(crypto::sha1(bytes)) == dist.shasum;
    return false;
}

// Where an uplink's tarball is kept: under a root no package name can take
// (names never start with "_"), by name, uplink and the integrity it was
// checked against, so bytes checked for one document never serve another.
std::string tarball_key(const std::string& name, const std::string& uplink,
                        const render::UpstreamDist& dist, const std::string& file) {
    const auto h = crypto::to_hex(crypto::sha256(dist.integrity + " " + dist.shasum)).substr(0, 16);
    return "_uplinks/" + name + "/" + uplink + "/" + h + "/" + file;
}

// Every file of a proxied name: documents, the raw copy, attestations, tarballs.
void remove_files(const Config& config, const std::string& name) {
    const auto& root = config.document_dir;
    std::error_code ec;
    for (const char* k : {kFull, kAbbreviated}) {
        ::unlink((root + "/public/" + name + "/" + k + ".gz").c_str());
        ::unlink((root + "/stale/" + name + "/" + k + ".gz").c_str());
    }
    fs::remove_all(root + "/upstream/" + name, ec);
    fs::remove_all(root + "/public/" + name + "/-", ec);
    fs::remove_all(config.tarball_dir + "/_uplinks/" + name, ec);
}

}  // namespace

void forget_upstream(const Config& config, storage::Db& db, const std::string& name) {
    storage::UpstreamRepo{db}.remove(name);
    remove_files(config, name);  // also when no row says so: nothing of an uplink's may stay
}

Uplinks::Uplinks(const Config& config, storage::Db& db, storage::TarballStore& tarballs,
                 Metrics& metrics, Gates* gates)
    : config_{config},
      db_{db},
      tarballs_{tarballs},
      metrics_{metrics},
      gates_{gates},
      root_{config.document_dir} {}

const Uplink* Uplinks::proxied(const model::PackageName& name) const {
    const auto* uplink = config_.uplink_for(name.str());
    if (!uplink) return nullptr;
    // A scope is not a claim: if publishing into @types here stopped @types
    // from being proxied, anyone could publish @types/node here unchecked.
    // Private scopes belong under a "none" rule (README).
    if (storage::PackageRepo{db_}.find(name.str())) return nullptr;
    return uplink;
}

Uplinks::Document Uplinks::document(const model::PackageName& name, const Uplink& uplink,
                                    bool abbreviated) {
    const char* kind = abbreviated ? kAbbreviated : kFull;
    storage::UpstreamRepo repo{db_};
    const auto fast = repo.find(name.str());
    if (fast && fast->uplink == uplink.name && fast->fresh) {
        if (fast->status == "missing") {
            Metrics::count(metrics_.block().uplink_hits);
            throw not_found("package \"" + name.str() + "\" not found");
        }
        const auto file = root_ + "/public/" + name.str() + "/" + kind + ".gz";
        if (exists(file)) {
            Metrics::count(metrics_.block().uplink_hits);
            return {"public/" + name.str() + "/" + kind, false};
        }
    }
    // One request to the uplink per name, whichever worker or host asks.
    const DocLock lock{root_, name.str(), uplink.timeout_seconds + 5};
    return fetch(name, uplink, kind);
}

// Under the name's lock.
Uplinks::Document Uplinks::fetch(const model::PackageName& name, const Uplink& uplink,
                                 const char* kind) {
    storage::UpstreamRepo repo{db_};
    auto row = repo.find(name.str());
    // A local package may have taken the name while we waited.
    if (storage::PackageRepo{db_}.find(name.str()))
        throw not_found("package \"" + name.str() + "\" not found");
    const auto raw_path = root_ + "/upstream/" + name.str() + "/" + kRaw;
    if (row && (row->uplink != uplink.name || (row->status == "ok" && !exists(raw_path))))
        row.reset();  // the rules changed, or the files went: start again
    if (row && row->fresh) {
        Metrics::count(metrics_.block().uplink_hits);
        if (row->status == "missing") throw not_found("package \"" + name.str() + "\" not found");
        return {put_up(name.str(), uplink, kind), false};
    }
    const bool cached = row && row->status == "ok";
    const auto serve_stale = [&](const std::string& why) -> Document {
        Metrics::count(metrics_.block().uplink_errors);
        log::warn("uplink " + uplink.name + ": " + name.str() + ": " + why);
        if (!cached)
            throw bad_gateway("the uplink " + uplink.name + " could not be asked for \"" +
                              name.str() + "\": " + why);
        Metrics::count(metrics_.block().uplink_stale);
        move_to_stale(name.str());
        const auto stale = root_ + "/stale/" + name.str() + "/" + kind + ".gz";
        if (!exists(stale)) {  // dropped (public_url changed): build it again from the raw copy
            const auto raw = read_file(raw_path);
            const auto text = raw ? http::inflate(*raw, config_.max_document_bytes) : std::nullopt;
            const auto docs = text ? render::upstream_documents(
                                         *text, name.str(), config_.public_url,
                                         UplinkSignatures{config_, db_, uplink}.signer(name.str()))
                                   : std::nullopt;
            if (!docs) throw bad_gateway("the uplink " + uplink.name + " failed: " + why);
            TempFile full{root_, docs->full, true};
            TempFile abbrev{root_, docs->abbreviated, true};
            full.move_to(root_ + "/stale/" + name.str() + "/" + kFull + ".gz");
            abbrev.move_to(root_ + "/stale/" + name.str() + "/" + kAbbreviated + ".gz");
        }
        return {"stale/" + name.str() + "/" + kind, true};
    };
    if (const auto wait = repo.down_for(uplink.name); wait > 0)
        return serve_stale("it failed moments ago; asked again in " +
                           std::to_string(static_cast<int>(wait) + 1) + " s");

    UplinkRequest req;
    req.path = upstream_path(name);
    req.headers.emplace_back("Accept: application/json");
    req.max_bytes = config_.max_document_bytes;
    if (cached && !row->etag.empty()) req.headers.push_back("If-None-Match: " + row->etag);
    if (cached && !row->last_modified.empty())
        req.headers.push_back("If-Modified-Since: " + row->last_modified);
    const auto res = call_uplink(uplink, req);

    if (res.status == 304 && cached) {
        repo.confirm(name.str(), config_.uplink_maxage);
        repo.record_success(uplink.name);
        Metrics::count(metrics_.block().uplink_revalidations);
        return {put_up(name.str(), uplink, kind), false};
    }
    if (res.status == 404 || res.status == 410) {
        repo.record_success(uplink.name);
        Metrics::count(metrics_.block().uplink_misses);
        remove_files(config_, name.str());  // before the row says so: nothing stays up unseen
        storage::Transaction tx{db_};
        storage::UpstreamDocRow missing;
        missing.name = name.str();
        missing.uplink = uplink.name;
        missing.status = "missing";
        repo.save(missing, config_.uplink_maxage);
        if (cached) {
            storage::ChangeRepo{db_}.append({0,
                                             name.str(),
                                             "uplink-gone",
                                             0,
                                             {},
                                             "{\"uplink\":\"" + uplink.name + "\"}",
                                             "uplink"});
        }
        tx.commit();
        throw not_found("package \"" + name.str() + "\" not found");
    }
    if (res.failed() || res.status != 200) {
        repo.record_failure(uplink.name,
                            res.error.empty() ? "HTTP " + std::to_string(res.status) : res.error);
        return serve_stale(res.error.empty() ? "it answered HTTP " + std::to_string(res.status)
                                             : res.error);
    }
    std::optional<UplinkSignatures> policy;
    try {
        policy.emplace(config_, db_, uplink);
    } catch (const HttpError& e) {  // the uplink's keys could not be had
        return serve_stale(e.what());
    }
    const auto docs = render::upstream_documents(res.body, name.str(), config_.public_url,
                                                 policy->signer(name.str()));
    if (!docs) return serve_stale("its answer is not the document of \"" + name.str() + "\"");
    if (docs->refused > 0)
        log::warn("uplink " + uplink.name + ": " + name.str() + ": " +
                  std::to_string(docs->refused) +
                  " versions left out: their signatures do not verify with the uplink's keys");
    repo.record_success(uplink.name);
    Metrics::count(cached ? metrics_.block().uplink_revalidations : metrics_.block().uplink_misses);

    // The uplink's own bytes first (before the row says so); the documents
    // after the commit. A crash in between leaves a row whose files are
    // built again from the raw copy.
    TempFile raw{root_, res.body, true};
    TempFile full{root_, docs->full, true};
    TempFile abbrev{root_, docs->abbreviated, true};
    raw.move_to(raw_path);
    {
        storage::Transaction tx{db_};
        storage::UpstreamDocRow saved;
        saved.name = name.str();
        saved.uplink = uplink.name;
        saved.status = "ok";
        saved.etag = res.etag;
        saved.last_modified = res.last_modified;
        saved.versions = docs->versions;
        saved.bytes = res.body.size();
        repo.save(saved, config_.uplink_maxage);
        repo.set_served(name.str(), true);
        render::JsonWriter detail;
        detail.begin_object().field("uplink", uplink.name);
        detail.key("versions").integer(static_cast<long long>(docs->versions)).end_object();
        storage::ChangeRepo{db_}.append({0,
                                         name.str(),
                                         cached ? "uplink-update" : "uplink-fetch",
                                         0,
                                         {},
                                         detail.str(),
                                         "uplink"});
        tx.commit();
    }
    for (const char* k : {kFull, kAbbreviated})
        ::unlink((root_ + "/stale/" + name.str() + "/" + k + ".gz").c_str());
    // Tarballs nginx sends alone: each is linked again on its next download,
    // after the new document is checked to still list it with that integrity.
    if (cached) {
        std::error_code ec;
        fs::remove_all(root_ + "/public/" + name.str() + "/-", ec);
    }
    full.move_to(root_ + "/public/" + name.str() + "/" + kFull + ".gz");
    abbrev.move_to(root_ + "/public/" + name.str() + "/" + kAbbreviated + ".gz");
    return {"public/" + name.str() + "/" + kind, false};
}

// Under the name's lock, for a fresh row: its files in public/, moved back
// from stale/ (a 304) or built from the raw copy (a dropped tree).
std::string Uplinks::put_up(const std::string& name, const Uplink& uplink, const char* kind) {
    const auto rel = "public/" + name + "/" + kind;
    const auto pub = root_ + "/public/" + name + "/";
    const auto stale = root_ + "/stale/" + name + "/";
    // The row first: a file up whose row says "not served" would never expire.
    storage::UpstreamRepo{db_}.set_served(name, true);
    bool up = true;
    for (const char* k : {kFull, kAbbreviated}) {
        if (exists(pub + k + ".gz")) continue;
        make_dirs(pub);
        if (::rename((stale + k + ".gz").c_str(), (pub + k + ".gz").c_str()) != 0) up = false;
    }
    if (!up) {
        const auto raw = read_file(root_ + "/upstream/" + name + "/" + kRaw);
        const auto text = raw ? http::inflate(*raw, config_.max_document_bytes) : std::nullopt;
        const auto docs =
            text ? render::upstream_documents(*text, name, config_.public_url,
                                              UplinkSignatures{config_, db_, uplink}.signer(name))
                 : std::nullopt;
        if (!docs) throw bad_gateway("the cached document of \"" + name + "\" is unreadable");
        TempFile full{root_, docs->full, true};
        TempFile abbrev{root_, docs->abbreviated, true};
        full.move_to(pub + kFull + ".gz");
        abbrev.move_to(pub + kAbbreviated + ".gz");
    }
    return rel;
}

void Uplinks::move_to_stale(const std::string& name) const {
    const auto pub = root_ + "/public/" + name + "/";
    const auto stale = root_ + "/stale/" + name + "/";
    for (const char* k : {kFull, kAbbreviated}) {
        if (!exists(pub + k + ".gz")) continue;
        make_dirs(stale);
        if (::rename((pub + k + ".gz").c_str(), (stale + k + ".gz").c_str()) != 0 &&
            ::unlink((pub + k + ".gz").c_str()) != 0 && errno != ENOENT) {
            fail("take down " + pub + k + ".gz");
        }
    }
    storage::UpstreamRepo{db_}.set_served(name, false);
}

int Uplinks::expire() {
    storage::UpstreamRepo repo{db_};
    int moved = 0;
    for (const auto& name : repo.expired_served(200)) {
        try {
            const DocLock lock{root_, name, 0};  // a fetch of it is running: it decides
            const auto row = repo.find(name);
            if (!row || !row->served || row->fresh) continue;
            if (storage::PackageRepo{db_}.find(name)) {  // a local package took the name
                forget_upstream(config_, db_, name);
                continue;
            }
            move_to_stale(name);
            ++moved;
        } catch (const HttpError&) {
            continue;  // busy: the next pass
        } catch (const std::exception& e) {
            log::warn("uplink expiry of " + name + ": " + e.what());  // the others go on
        }
    }
    return moved;
}

void Uplinks::tidy() { storage::UpstreamRepo{db_}.remove_old_missing(10000); }

int Uplinks::reconcile() {
    storage::UpstreamRepo repo{db_};
    int dropped = 0;
    for (const auto& row : repo.list("%", 10000000)) {
        const auto* now = config_.uplink_for(row.name);
        if (now && now->name == row.uplink) continue;
        // The rules changed: what the old uplink gave is not served a second longer.
        const DocLock lock{root_, row.name};
        if (!storage::PackageRepo{db_}.find(row.name)) remove_files(config_, row.name);
        repo.remove(row.name);
        ++dropped;
    }
    return dropped;
}

std::string Uplinks::tarball(const model::PackageName& name, const Uplink& uplink,
                             const std::string& version, const std::string& file) {
    const auto link = root_ + "/public/" + name.str() + "/-/" + file;
    const auto accel = "/-/internal/public-tarballs/" + name.str() + "/-/" + file;
    if (exists(link)) {
        Metrics::count(metrics_.block().uplink_hits);
        return accel;
    }
    // The document says where the bytes are and what they must hash to
    // (npm ci asks for tarballs without the document: fetch it first).
    const auto find_dist = [&]() -> std::optional<render::UpstreamDist> {
        const auto raw = read_file(root_ + "/upstream/" + name.str() + "/" + kRaw);
        const auto text = raw ? http::inflate(*raw, config_.max_document_bytes) : std::nullopt;
        auto d = text ? render::upstream_dist(*text, version) : std::nullopt;
        // A version the signatures policy refuses is not served, bytes neither.
        if (d && !UplinkSignatures{config_, db_, uplink}.allows(name.str(), version, d->integrity,
                                                                d->published, d->signatures))
            throw not_found("no tarball " + file + " for " + name.str() +
                            ": its signature does not verify with the uplink's keys");
        return d;
    };
    auto dist = find_dist();
    if (!dist) {
        (void)document(name, uplink, false);
        dist = find_dist();
    }
    if (!dist) {
        // Perhaps newer than the cached document: ask again, at most every
        // 30 s (a stranger's requests for versions that do not exist must
        // not make one uplink request each).
        const auto row = storage::UpstreamRepo{db_}.find(name.str());
        if (row && row->status == "ok" && row->age_seconds >= 30) {
            storage::UpstreamRepo{db_}.make_stale(name.str());
            (void)document(name, uplink, false);
            dist = find_dist();
        }
    }
    if (!dist) throw not_found("no tarball " + file + " for " + name.str());
    const auto key = tarball_key(name.str(), uplink.name, *dist, file);
    const auto stored = config_.tarball_dir + "/" + key;

    // Bytes go up only under the name's lock, while the rows still say the
    // name is this uplink's and the document still promises these bytes: a
    // local publish, a purge or a 404 in the meantime wins.
    const auto put_up_tarball = [&](const std::string* bytes) {
        const DocLock lock{root_, name.str(), 30};
        const auto row = storage::UpstreamRepo{db_}.find(name.str());
        const auto now = find_dist();
        if (storage::PackageRepo{db_}.find(name.str()) || !row || row->uplink != uplink.name ||
            row->status != "ok" || !now || now->integrity != dist->integrity ||
            now->shasum != dist->shasum) {
            throw unavailable("\"" + name.str() +
                              "\" changed while its tarball was fetched; retry");
        }
        if (bytes) (void)tarballs_.put(key, *bytes);
        make_dirs(fs::path{link}.parent_path());
        if (::link(stored.c_str(), link.c_str()) != 0 && errno == EXDEV)
            ::symlink(stored.c_str(), link.c_str());
        return accel;
    };
    if (exists(stored)) {
        Metrics::count(metrics_.block().uplink_hits);
        return put_up_tarball(nullptr);
    }
    storage::UpstreamRepo repo{db_};
    if (const auto wait = repo.down_for(uplink.name); wait > 0)
        throw bad_gateway("the uplink " + uplink.name + " failed moments ago; retry in " +
                          std::to_string(static_cast<int>(wait) + 1) + " s");
    // Held in memory while checked: a few at once per process, never every worker.
    Gate solo{1};  // depotctl has no worker's gates
    const auto pass = (gates_ ? gates_->uplinks : solo)
                          .enter("the registry is fetching other tarballs right now; retry",
                                 std::chrono::seconds{10});
    // One download per version, whichever worker or host asks; within nginx's 120 s.
    const int budget = std::min(100, std::max(uplink.timeout_seconds, 60));
    const DocLock lock{root_, name.str() + "@" + version, budget};
    if (exists(stored)) return put_up_tarball(nullptr);
    UplinkRequest req;
    // Tarballs come from the uplink's origin only; elsewhere, npm's usual path there.
    if (same_origin(uplink, dist->tarball)) {
        req.url = dist->tarball;
    } else {
        req.path = upstream_path(name) + "/-/" + file;
    }
    req.decode = false;
    req.max_bytes = config_.uplink_max_tarball_bytes;
    req.timeout_seconds = budget;
    const auto res = call_uplink(uplink, req);
    if (res.status != 200 || !res.error.empty()) {
        Metrics::count(metrics_.block().uplink_errors);
        const auto why = res.error.empty() ? "HTTP " + std::to_string(res.status) : res.error;
        log::warn("uplink " + uplink.name + ": tarball " + file + ": " + why);
        if (res.status == 404) throw not_found("no tarball " + file + " for " + name.str());
        if (res.status == 0 || res.status >= 500) repo.record_failure(uplink.name, why);
        throw bad_gateway("the uplink " + uplink.name + " did not send " + file);
    }
    // Never kept, never sent: bytes that are not what the document promised.
    if (!npm_integrity_matches(*dist, res.body)) {
        Metrics::count(metrics_.block().uplink_errors);
        log::warn("uplink " + uplink.name + ": tarball " + file + " does not match its integrity");
        throw bad_gateway("the tarball " + file + " from the uplink " + uplink.name +
                          " does not match the integrity its document gives; it was not kept");
    }
    Metrics::count(metrics_.block().uplink_misses);
    return put_up_tarball(&res.body);
}

std::string Uplinks::attestations(const model::PackageName& name, const Uplink& uplink,
                                  const std::string& version) {
    const auto path = root_ + "/upstream/" + name.str() + "/attestations/" + version + ".json";
    auto raw = read_file(root_ + "/upstream/" + name.str() + "/" + kRaw);
    if (!raw) {
        (void)document(name, uplink, false);
        raw = read_file(root_ + "/upstream/" + name.str() + "/" + kRaw);
    }
    const auto text = raw ? http::inflate(*raw, config_.max_document_bytes) : std::nullopt;
    const auto dist = text ? render::upstream_dist(*text, version) : std::nullopt;
    if (!dist || dist->attestations.empty() ||
        !UplinkSignatures{config_, db_, uplink}.allows(name.str(), version, dist->integrity,
                                                       dist->published, dist->signatures))
        throw not_found("no attestations for " + name.str() + "@" + version);
    // Kept ones too pass the policy as it is now (above).
    if (auto kept = read_file(path)) {
        Metrics::count(metrics_.block().uplink_hits);
        return std::move(*kept);
    }
    UplinkRequest req;
    if (same_origin(uplink, dist->attestations)) {
        req.url = dist->attestations;
    } else {
        req.path = "/-/npm/v1/attestations/" + upstream_path(name).substr(1) + "@" + version;
    }
    req.headers.emplace_back("Accept: application/json");
    req.max_bytes = 16u << 20;
    const auto res = call_uplink(uplink, req);
    if (res.status == 404) throw not_found("no attestations for " + name.str() + "@" + version);
    rapidjson::Document doc;
    if (res.status != 200 || !res.error.empty() || !render::parse_json(doc, res.body) ||
        !doc.IsObject() || !doc.HasMember("attestations") || !doc["attestations"].IsArray()) {
        Metrics::count(metrics_.block().uplink_errors);
        throw bad_gateway("the uplink " + uplink.name + " did not send the attestations of " +
                          name.str() + "@" + version);
    }
    TempFile kept{root_, res.body, false};
    kept.move_to(path);
    Metrics::count(metrics_.block().uplink_misses);
    return res.body;
}

std::string Uplinks::version_json(const model::PackageName& name, const Uplink& uplink,
                                  const std::string& wanted) {
    const auto served = document(name, uplink, false);
    const auto gz = read_file(root_ + "/" + served.path + ".gz");
    const auto text = gz ? http::inflate(*gz, config_.max_document_bytes) : std::nullopt;
    rapidjson::Document doc;
    if (!text || !render::parse_json(doc, *text) || !doc.IsObject())
        throw bad_gateway("the cached document of \"" + name.str() + "\" is unreadable");
    std::string version = wanted;
    if (const auto tag = render::upstream_tag(*text, wanted); !tag.empty()) version = tag;
    const auto versions = doc.FindMember("versions");
    if (versions != doc.MemberEnd() && versions->value.IsObject()) {
        const auto v = versions->value.FindMember(version.c_str());
        if (v != versions->value.MemberEnd()) {
            render::JsonWriter w;
            w.value(v->value);
            return w.str();
        }
    }
    throw not_found("version or tag \"" + wanted + "\" of \"" + name.str() + "\" not found");
}

void refuse_shadowing(const Config& config, storage::Db& db, const model::PackageName& name) {
    const auto* uplink = config.uplink_for(name.str());
    if (!uplink || storage::PackageRepo{db}.find(name.str())) return;
    const auto row = storage::UpstreamRepo{db}.find(name.str());
    bool upstream_has = row && row->uplink == uplink->name && row->status == "ok";
    if (!upstream_has) {
        // GET, not HEAD: some registries answer HEAD of a document with 405.
        UplinkRequest req;
        req.path = upstream_path(name);
        req.headers.emplace_back("Accept: application/vnd.npm.install-v1+json");
        req.max_bytes = config.max_document_bytes;
        const auto res = call_uplink(*uplink, req);
        const bool answered = (res.status >= 200 && res.status < 300 && res.error.empty()) ||
                              res.status == 404 || res.status == 410;
        if (!answered) {
            throw unavailable("\"" + name.str() + "\" is read from the uplink " + uplink->name +
                              ", which could not be asked whether it has that name; try again");
        }
        storage::UpstreamRepo{db}.record_success(uplink->name);
        upstream_has = res.status >= 200 && res.status < 300;
    }
    if (upstream_has) {
        throw conflict("\"" + name.str() + "\" exists on the uplink " + uplink->name +
                       ", and installs of it come from there: publishing it here would shadow "
                       "it. Publish under a scope of your own, or ask ops for a proxy rule "
                       "that sends this name nowhere (PATTERN:none).");
    }
}

std::string Uplinks::ask(const Uplink& uplink, const std::string& path,
                         const std::string& json_body) {
    UplinkRequest req;
    req.path = path;
    req.headers.emplace_back("Accept: application/json");
    if (!json_body.empty()) {
        req.method = "POST";
        req.body = json_body;
        req.headers.emplace_back("Content-Type: application/json");
    }
    req.max_bytes = 16u << 20;
    req.timeout_seconds = std::min(uplink.timeout_seconds, 10);
    const auto res = call_uplink(uplink, req);
    if (res.status != 200 || !res.error.empty()) {
        Metrics::count(metrics_.block().uplink_errors);
        log::warn("uplink " + uplink.name + ": " + path.substr(0, path.find('?')) + ": " +
                  (res.error.empty() ? "HTTP " + std::to_string(res.status) : res.error));
        return {};
    }
    storage::UpstreamRepo{db_}.record_success(uplink.name);
    return res.body;
}

void Uplinks::refresh(const model::PackageName& name) {
    const auto* uplink = proxied(name);
    if (!uplink) throw not_found("\"" + name.str() + "\" is not read from an uplink");
    storage::UpstreamRepo{db_}.make_stale(name.str());
    (void)document(name, *uplink, false);
}

void Uplinks::purge(const std::string& name) {
    const DocLock lock{root_, name};
    if (storage::PackageRepo{db_}.find(name)) return;  // local: nothing of an uplink's here
    remove_files(config_, name);
    storage::Transaction tx{db_};
    storage::UpstreamRepo{db_}.remove(name);
    storage::ChangeRepo{db_}.append({0, name, "uplink-purge", 0, {}, "{}", "uplink"});
    tx.commit();
}

}  // namespace depot::services
