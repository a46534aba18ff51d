// depotctl: the ops CLI. Reads the same config as depot-fcgi.
//   depotctl [--config PATH] migrate        apply pending schema/NNNN_*.sql
//   depotctl [--config PATH] schema-version print the newest applied migration
//   depotctl [--config PATH] check-config   validate the configuration
//   depotctl [--config PATH] log [--package NAME] [--user NAME] [--limit N]
//   depotctl [--config PATH] advisory add NAME RANGE SEVERITY TITLE [URL]

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "error.hpp"
#include "model/package_name.hpp"
#include "storage/db.hpp"
#include "storage/migrations.hpp"
#include "storage/version_repo.hpp"

namespace {

constexpr const char* kUsage =
    "usage: depotctl [--config PATH] COMMAND\n"
    "commands:\n"
    "  migrate          apply pending schema migrations (idempotent)\n"
    "  schema-version   print the newest applied migration number\n"
    "  check-config     validate the configuration file and exit\n"
    "  log [--package NAME] [--user NAME] [--limit N]\n"
    "                   who did what and when, newest first, from the change log\n"
    "  advisory add NAME RANGE SEVERITY TITLE [URL]\n"
    "                   record an advisory that npm audit reports for NAME\n"
    "                   (SEVERITY: info, low, moderate, high, critical)\n";

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

// The value after --name in args, or empty.
std::string option(const std::vector<std::string>& args, std::string_view name) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == name) return args[i + 1];
    }
    return {};
}

int print_log(depot::storage::Db& db, const std::vector<std::string>& args) {
    const auto limit_text = option(args, "--limit");
    const int limit = limit_text.empty() ? 100 : std::stoi(limit_text);
    const auto rows = depot::storage::ChangeRepo{db}.list_for(option(args, "--package"),
                                                              option(args, "--user"), limit);
    for (const auto& c : rows) {
        std::cout << c.time << "  #" << c.seq << "  " << c.kind << "  " << c.package_name << "  by "
                  << (c.actor_name.empty() ? "-" : c.actor_name) << "  " << c.detail << "\n";
    }
    if (rows.empty()) std::cout << "no changes recorded\n";
    return 0;
}

int add_advisory(depot::storage::Db& db, const std::vector<std::string>& args) {
    if (args.size() < 6 || args.size() > 7 || args[1] != "add") {
        std::fputs("usage: depotctl advisory add NAME RANGE SEVERITY TITLE [URL]\n", stderr);
        return 2;
    }
    const auto name = depot::model::PackageName::parse(args[2]);
    const std::string severities[] = {"info", "low", "moderate", "high", "critical"};
    if (std::find(std::begin(severities), std::end(severities), args[4]) == std::end(severities)) {
        std::fputs("depotctl advisory: SEVERITY is one of info, low, moderate, high, critical\n",
                   stderr);
        return 2;
    }
    depot::storage::AdvisoryRow a;
    a.package_name = name.str();
    a.vulnerable_versions = args[3];
    a.severity = args[4];
    a.title = args[5];
    a.url = args.size() == 7 ? args[6] : "";
    const auto id = depot::storage::AdvisoryRepo{db}.insert(a);
    std::cout << "advisory " << id << " recorded for " << a.package_name << " "
              << a.vulnerable_versions << "\n";
    return 0;
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
        if (cmd == "log") return print_log(db, args);
        if (cmd == "advisory") return add_advisory(db, args);
        if (cmd == "schema-version") {
            const auto v = storage::schema_version(db);
            std::cout << (v ? std::to_string(*v) : "none") << "\n";
            return 0;
        }
    } catch (const depot::HttpError& e) {
        std::fprintf(stderr, "depotctl %s: %s\n", cmd.c_str(), e.what());
        return 2;
    } catch (const std::exception&) {
        std::fprintf(stderr, "depotctl %s: %s\n", cmd.c_str(),
                     storage::describe(std::current_exception()).c_str());
        return 1;
    }
    std::fprintf(stderr, "depotctl: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return 2;
}
