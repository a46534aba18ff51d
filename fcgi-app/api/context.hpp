#pragma once
// What a handler gets besides the request: built by main once per worker
// thread and passed by reference. No globals.

namespace depot {
struct Config;
struct Uplink;
}  // namespace depot
namespace depot::storage {
class Db;
class TarballStore;
}  // namespace depot::storage
namespace depot::render {
class Views;
}
namespace depot::services {
class PasswordChecks;
class Metrics;
struct Gates;
}  // namespace depot::services

namespace depot::api {

struct Context {
    const Config& config;
    storage::Db& db;                      // this thread's connection
    render::Views& views;                 // this thread's compiled views
    storage::TarballStore& tarballs;      // shared; thread-safe
    services::PasswordChecks& passwords;  // shared; thread-safe
    services::Gates& gates;               // shared; thread-safe
    services::Metrics& metrics;           // shared by the host's worker processes; atomic
};

}  // namespace depot::api
