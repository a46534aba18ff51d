#pragma once
// An uplink's signatures policy (issue 13: uplink_NAME_signatures). Proxied
// versions are served with depot's own signature, so one set of keys
// (/-/npm/v1/keys) verifies everything npm installs through depot:
//   verify  the uplink's signature is checked against the uplink's
//           /-/npm/v1/keys first (as pacote checks it, key expiry
//           included); a version that fails is not served at all;
//   trust   signed as it comes (an uplink you operate);
//   none    served unsigned.
// Unset: verify when the uplink publishes keys, else none. The uplink's keys
// are kept a few minutes per process: only an optimisation.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "render/upstream.hpp"

namespace depot {
struct Config;
struct Uplink;
}  // namespace depot
namespace depot::storage {
class Db;
}

namespace depot::services {

struct ActiveKey;
struct UpstreamKeys;

using SignatureList = std::vector<std::pair<std::string, std::string>>;  // keyid, sig

class UplinkSignatures {
  public:
    // 502 when the policy needs the uplink's keys and they cannot be had.
    UplinkSignatures(const Config& config, storage::Db& db, const Uplink& uplink);
    ~UplinkSignatures();

    [[nodiscard]] const std::string& mode() const { return mode_; }
    // For render::upstream_documents: depot's signature, none, or refused.
    [[nodiscard]] render::SignVersion signer(const std::string& name) const;
    // Whether the policy lets the version be served (a tarball's first fetch).
    [[nodiscard]] bool allows(const std::string& name, const std::string& version,
                              std::string_view integrity, std::string_view published,
                              const SignatureList& signatures) const;

  private:
    std::string mode_;
    std::shared_ptr<const UpstreamKeys> keys_;
    std::shared_ptr<const ActiveKey> depot_key_;
};

}  // namespace depot::services
