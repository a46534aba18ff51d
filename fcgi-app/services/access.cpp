#include "services/access.hpp"

#include "storage/package_repo.hpp"

namespace depot::services {

Reader reader_of(const std::optional<Principal>& who) {
    if (!who) return {};
    if (who->one_package()) return {0, who->package_id};
    return {who->user_id, 0};
}

bool can_read(storage::Db& db, const std::optional<Principal>& who, std::uint64_t package_id,
              std::string_view access) {
    if (access != "restricted") return true;
    const auto r = reader_of(who);
    if (r.package_id != 0) return r.package_id == package_id;
    return r.user_id != 0 && storage::PackageRepo{db}.is_owner(package_id, r.user_id);
}

}  // namespace depot::services
