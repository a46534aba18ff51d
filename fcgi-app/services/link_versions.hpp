#pragma once
// Versions registered by link (SPEC §3: POST /NAME/vX.Y.Z with a link to a
// tarball). depot downloads the tarball once with libcurl — bounded in size,
// time and redirects, http(s) only, no loopback or private addresses unless
// the config allows them — checks with libarchive that it is a gzip tar whose
// package/package.json names this package and version, computes shasum and
// integrity, and records the manifest. dist.tarball stays the link.

#include <string>

#include "model/package_name.hpp"
#include "services/auth.hpp"

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
class TarballStore;
}  // namespace depot::storage

namespace depot::services {

struct Gates;

// True for a global unicast address a link may be fetched from (dotted IPv4
// or IPv6 text); private, loopback, reserved and IPv4-embedding forms are not.
[[nodiscard]] bool fetchable_address(const std::string& ip);

// libcurl's global set-up: once, in main, before any thread starts.
void init_link_fetching();

// The bytes at url, or a 400 that says only that they could not be fetched
// (bad scheme apart): the reason (private address, too large, too slow, not
// found) goes to the log, not to the client.
[[nodiscard]] std::string fetch_link(const Config& config, const std::string& url);

void register_link_version(storage::Db& db, storage::TarballStore& store, const Config& config,
                           Gates& gates, const Principal& who, const model::PackageName& name,
                           const std::string& version, const std::string& url);

}  // namespace depot::services
