#include "services/packument.hpp"

#include "config.hpp"
#include "render/packument.hpp"
#include "storage/db.hpp"

namespace depot::services {

void rebuild_packument(storage::Db& db, const Config& config, std::uint64_t package_id,
                       const char* package_name) {
    render::PackumentInput in;
    in.package = *storage::PackageRepo{db}.find(package_name);
    in.versions = storage::VersionRepo{db}.list(package_id);
    in.tags = storage::TagRepo{db}.list(package_id);
    in.owners = storage::PackageRepo{db}.list_owners(package_id);
    in.starred_by = storage::PackageRepo{db}.list_stargazers(package_id);
    in.public_url = config.public_url;
    const auto p = render::build_packument(in);
    storage::PackumentRepo{db}.save(package_id, p.full, p.full_etag, p.abbreviated,
                                    p.abbreviated_etag);
}

}  // namespace depot::services
