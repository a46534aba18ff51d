#pragma once
// Rebuilds and stores both packument documents of a package. Called inside
// the transaction of every write, so readers only ever see stored bytes that
// match the rows (SPEC §2: built on write, served as stored).

#include <cstdint>

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
}

namespace depot::services {

void rebuild_packument(storage::Db& db, const Config& config, std::uint64_t package_id,
                       const char* package_name);

}  // namespace depot::services
