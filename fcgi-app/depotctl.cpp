// depotctl: the ops CLI. Reads the same config as depot-fcgi.
//   depotctl [--config PATH] migrate        apply pending schema/NNNN_*.sql
//   depotctl [--config PATH] schema-version print the newest applied migration
//   depotctl [--config PATH] check-config   validate the configuration

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "storage/db.hpp"
#include "storage/migrations.hpp"

namespace {

constexpr const char* kUsage =
    "usage: depotctl [--config PATH] COMMAND\n"
    "commands:\n"
    "  migrate          apply pending schema migrations (idempotent)\n"
    "  schema-version   print the newest applied migration number\n"
    "  check-config     validate the configuration file and exit\n";

std::vector<std::string> positional(int argc, char** argv) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a{argv[i]};
        if (a == "--config") {
            ++i;
        } else if (!a.starts_with("--config=")) {
            out.emplace_back(a);
        }
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace depot;
    const auto args = positional(argc, argv);
    if (args.empty() || args[0] == "--help" || args[0] == "help") {
        std::fputs(kUsage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const auto env = process_environment();
    const auto path = config_path(argc, argv, env);
    Config config;
    try {
        config = load_config(path, env);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "depotctl: %s: %s\n", path.c_str(), e.what());
        return 1;
    }
    const auto& cmd = args[0];
    if (cmd == "check-config") {
        std::printf("%s: ok\n", path.c_str());
        return 0;
    }
    try {
        sql::Driver& driver = storage::driver();
        storage::Db db{driver, storage::settings_from(config)};
        if (cmd == "migrate") {
            const int ran = storage::migrate(db, config.schema_dir, std::cout);
            std::cout << (ran == 0 ? "schema is up to date\n" : "") << std::flush;
            return 0;
        }
        if (cmd == "schema-version") {
            const auto v = storage::schema_version(db);
            std::cout << (v ? std::to_string(*v) : "none") << "\n";
            return 0;
        }
    } catch (const std::exception&) {
        std::fprintf(stderr, "depotctl %s: %s\n", cmd.c_str(),
                     storage::describe(std::current_exception()).c_str());
        return 1;
    }
    std::fprintf(stderr, "depotctl: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return 2;
}
