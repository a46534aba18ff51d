#pragma once
// Uplinks (issue 11): the seam between depot and the registries it proxies.
// A name that no package row claims, and that a proxy rule sends to an
// uplink (not "none"), is read from that uplink: its
// document is fetched once, made depot's (render/upstream), and kept in the
// shared store next to local documents, where nginx sends it while it is
// fresh. A fresh document's files are in public/; when its time is over the
// expiry (every worker process, each second) moves them to stale/, so the
// next read reaches a worker, which revalidates with the uplink
// (If-None-Match / If-Modified-Since) and puts them back, or sends the stale
// copy with a Warning when the uplink fails. Tarballs are fetched on first
// download, checked against the document's integrity, stored, and from then
// on sent by nginx. Each fetch holds the name's lock in the store (the one
// local writes take), so concurrent misses on every worker of every host
// make one request to the uplink. Rows (storage/upstream_repo) say what is
// fresh; workers keep nothing.

#include <string>

namespace depot {
struct Config;
struct Uplink;
}  // namespace depot
namespace depot::model {
class PackageName;
}
namespace depot::storage {
class Db;
class TarballStore;
}  // namespace depot::storage

namespace depot::services {

class Metrics;
struct Gates;

class Uplinks {
  public:
    // gates: the worker's bounds (tarball fetches); nullptr in depotctl.
    Uplinks(const Config& config, storage::Db& db, storage::TarballStore& tarballs,
            Metrics& metrics, Gates* gates = nullptr);

    // The uplink name is read from: nullptr when no rule sends it anywhere
    // (or a "none" rule), or the name is local (a package row of any
    // access, published or unpublished).
    [[nodiscard]] const Uplink* proxied(const model::PackageName& name) const;

    struct Document {
        std::string path;  // under /-/internal/docs/: "public/NAME/full.json", "stale/…"
        bool stale = false;
    };
    // 404 when the uplink has no such package, 502 when it cannot be asked
    // and nothing is cached.
    [[nodiscard]] Document document(const model::PackageName& name, const Uplink& uplink,
                                    bool abbreviated);
    // The X-Accel-Redirect target of a version's tarball, fetched and
    // verified on first use.
    [[nodiscard]] std::string tarball(const model::PackageName& name, const Uplink& uplink,
                                      const std::string& version, const std::string& file);
    // A version's attestations (JSON), fetched once and kept.
    [[nodiscard]] std::string attestations(const model::PackageName& name, const Uplink& uplink,
                                           const std::string& version);
    // The uplink's version for a dist-tag or version (GET /NAME/TAG).
    [[nodiscard]] std::string version_json(const model::PackageName& name, const Uplink& uplink,
                                           const std::string& wanted);

    // Moves the files of documents whose time is over out of nginx's way;
    // how many.
    int expire();
    // With the sweep (every few minutes): "missing" rows nobody asked for again.
    void tidy();
    // At start: cached names the proxy rules no longer send to the same
    // uplink are dropped, files and tarballs with them; how many.
    int reconcile();

    // A JSON answer of the uplink to an API request (npm search, npm
    // audit); empty when it failed, which the caller treats as "no results".
    [[nodiscard]] std::string ask(const Uplink& uplink, const std::string& path,
                                  const std::string& json_body = {});

    // depotctl cache refresh / purge.
    void refresh(const model::PackageName& name);
    void purge(const std::string& name);

  private:
    [[nodiscard]] std::string put_up(const std::string& name, const Uplink& uplink,
                                     const char* kind);
    [[nodiscard]] Document fetch(const model::PackageName& name, const Uplink& uplink,
                                 const char* kind);
    void move_to_stale(const std::string& name) const;

    const Config& config_;
    storage::Db& db_;
    storage::TarballStore& tarballs_;
    Metrics& metrics_;
    Gates* gates_;
    std::string root_;
};

// Before a name's first local publish or project (every way a package is
// made calls it, before its transaction): 409 when the uplink the name would
// be read from has it (dependency confusion). Asks the uplink only when
// nothing is cached; 503 when it cannot be asked.
void refuse_shadowing(const Config& config, storage::Db& db, const model::PackageName& name);

// A local package now has this name: its cached row goes (in the caller's
// transaction) and so do its files, tarballs too (the caller holds the
// name's lock in the store). Local and upstream versions never mix.
void forget_upstream(const Config& config, storage::Db& db, const std::string& name);

}  // namespace depot::services
