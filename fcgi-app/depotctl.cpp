// depotctl: the ops CLI. Reads the same config as depot-fcgi. Commands (see kUsage):
// migrate, schema-version, check-config, log, advisory add, scope set|rm|ls,
// user, render-readmes, rebuild-packuments, sweep, backup, restore.

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "error.hpp"
#include "model/package_name.hpp"
#include "render/markdown.hpp"
#include "services/backup.hpp"
#include "services/documents.hpp"
#include "services/metrics.hpp"
#include "services/readme.hpp"
#include "services/scopes.hpp"
#include "services/signing.hpp"
#include "services/sweep.hpp"
#include "services/uplinks.hpp"
#include "storage/db.hpp"
#include "storage/migrations.hpp"
#include "storage/package_repo.hpp"
#include "storage/signing_repo.hpp"
#include "storage/staged_repo.hpp"
#include "storage/tarball_store.hpp"
#include "storage/token_repo.hpp"
#include "storage/upstream_repo.hpp"
#include "storage/user_repo.hpp"
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
    "                   (SEVERITY: info, low, moderate, high, critical)\n"
    "  scope set SCOPE USER [developer|admin|owner]\n"
    "  scope rm SCOPE USER\n"
    "  scope ls SCOPE   who may publish new packages in @SCOPE (as npm org set|rm|ls)\n"
    "  user NAME|EMAIL  an account: name, email, when made, how many live tokens\n"
    "  render-readmes   render the READMEs of versions stored before READMEs were\n"
    "                   rendered at publish (they show as plain text until then)\n"
    "  rebuild-packuments\n"
    "                   drop every packument file; each is built again from the rows\n"
    "                   on its next read\n"
    "  backup DIR       a consistent copy of the database (mariadb-dump) and every\n"
    "                   tarball, taken while the registry runs\n"
    "  restore DIR      a backup into an empty registry (no accounts, no packages)\n"
    "  package require-staging NAME [--off]\n"
    "                   publishes of NAME with granular (CI) tokens must be staged\n"
    "                   (npm stage publish) and approved by an owner\n"
    "  tokens expire --classic\n"
    "                   end every classic (not granular) user token now\n"
    "  cache ls [PATTERN]\n"
    "                   documents cached from uplinks (PATTERN: a glob, @acme/*)\n"
    "  cache refresh NAME\n"
    "                   ask the uplink for NAME's document now\n"
    "  cache purge NAME|--older-than DAYS\n"
    "                   forget cached documents, their tarballs with them\n"
    "  keys list        the registry's signing keys (GET /-/npm/v1/keys)\n"
    "  keys create      a new ECDSA P-256 key (the signing key if none is)\n"
    "  keys rotate      a new signing key; the old one expires now and stays\n"
    "                   listed, so what it signed still verifies\n"
    "  keys retire KEYID [--expires ISO-TIME]\n"
    "                   the key signs no more and expires then (default now)\n"
    "  keys sign-all    sign every version without a valid signature (migrate\n"
    "                   does it too) and rebuild their documents\n"
    "  sweep [--age SECONDS]\n"
    "                   remove what killed workers left: tarballs never recorded,\n"
    "                   files of unpublished versions, partial writes older than\n"
    "                   SECONDS (default 900; the workers do it every 5 minutes)\n";

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

int scope_command(depot::storage::Db& db, const std::vector<std::string>& args) {
    namespace services = depot::services;
    const auto usage = [] {
        std::fputs(
            "usage: depotctl scope set SCOPE USER [developer|admin|owner] | rm SCOPE USER | "
            "ls SCOPE\n",
            stderr);
        return 2;
    };
    if (args.size() < 3) return usage();
    std::string scope = args[2];
    if (scope.starts_with("@")) scope.erase(0, 1);
    (void)depot::model::PackageName::parse("@" + scope + "/x");
    if (args[1] == "set" && (args.size() == 4 || args.size() == 5)) {
        const auto role = args.size() == 5 ? args[4] : "owner";
        const auto n = services::set_scope_member(db, nullptr, scope, args[3], role);
        std::cout << args[3] << " is " << role << " of @" << scope << " (" << n << " members)\n";
        return 0;
    }
    if (args[1] == "rm" && args.size() == 4) {
        const auto n = services::remove_scope_member(db, nullptr, scope, args[3]);
        std::cout << args[3] << " left @" << scope << " (" << n << " members)\n";
        return 0;
    }
    if (args[1] == "ls" && args.size() == 3) {
        for (const auto& m : services::list_scope_members(db, nullptr, scope)) {
            std::cout << (m.name.empty() ? "(user #" + std::to_string(m.user_id) + ")" : m.name)
                      << " - " << m.role << "\n";
        }
        return 0;
    }
    return usage();
}

// Ops see what the registry hides from everyone else: the email.
int show_user(depot::storage::Db& db, const std::vector<std::string>& args) {
    if (args.size() != 2) {
        std::fputs("usage: depotctl user NAME|EMAIL\n", stderr);
        return 2;
    }
    depot::storage::UserRepo users{db};
    const auto u = args[1].find('@') != std::string::npos ? users.find_by_email(args[1])
                                                          : users.find_by_name(args[1]);
    if (!u) {
        std::fprintf(stderr, "depotctl user: no account %s\n", args[1].c_str());
        return 1;
    }
    std::cout << "name: " << (u->name.empty() ? "-" : u->name) << "\nemail: " << u->email
              << "\ncreated: " << u->created << "\npassword: "
              << (u->password_hash.empty() && u->legacy_sha.empty() ? "none" : "set")
              << "\nlive user tokens: "
              << depot::storage::TokenRepo{db}.list_for_user(u->id, "user").size() << "\n";
    return 0;
}

int render_readmes(depot::storage::Db& db, const depot::Config& config) {
    depot::storage::VersionRepo versions{db};
    int done = 0;
    for (;;) {
        const auto batch = versions.list_unrendered_readmes(100);
        if (batch.empty()) break;
        for (const auto& [id, readme] : batch) {
            const auto cut = depot::services::truncate_readme(readme, config.readme_max_bytes);
            // Over the budget: an empty HTML, and the page shows the text.
            versions.save_readme_html(id, depot::services::render_readme(config, cut));
            ++done;
        }
    }
    std::cout << done << " README" << (done == 1 ? "" : "s") << " rendered\n";
    return 0;
}

int sweep_command(depot::storage::Db& db, const depot::Config& config,
                  const std::vector<std::string>& args) {
    int age = depot::services::kSweepAgeSeconds;
    if (args.size() == 3 && args[1] == "--age") {
        try {
            age = std::stoi(args[2]);
        } catch (const std::exception&) {
            age = -1;
        }
    }
    if (age < 0 || (args.size() != 1 && args.size() != 3)) {
        std::fprintf(stderr, "usage: depotctl sweep [--age SECONDS]\n");
        return 2;
    }
    depot::storage::LocalDiskStore store{config.tarball_dir};
    const auto r = depot::services::sweep(db, store, config, age);
    std::cout << r.tarballs << " tarballs never recorded, " << r.tombstones
              << " of unpublished versions, " << r.partials << " partial writes removed\n";
    return 0;
}

// depotctl cache ls|refresh|purge (issue 11).
int cache_command(depot::storage::Db& db, const depot::Config& config,
                  const std::vector<std::string>& args) {
    using namespace depot;
    storage::LocalDiskStore store{config.tarball_dir};
    auto metrics = services::Metrics{};
    services::Uplinks uplinks{config, db, store, metrics};
    const auto usage = [] {
        std::fprintf(stderr,
                     "usage: depotctl cache ls [PATTERN] | refresh NAME | purge NAME|--older-than "
                     "DAYS\n");
        return 2;
    };
    if (args.size() < 2) return usage();
    if (args[1] == "ls" && args.size() <= 3) {
        std::string like = args.size() == 3 ? args[2] : "*";
        for (auto& ch : like) {
            if (ch == '*') ch = '%';
        }
        std::printf("%-40s %-10s %-8s %8s %12s  %-24s %s\n", "NAME", "UPLINK", "STATUS", "VERSIONS",
                    "BYTES", "FETCHED", "STATE");
        for (const auto& r : storage::UpstreamRepo{db}.list(like, 100000)) {
            std::printf("%-40s %-10s %-8s %8llu %12llu  %-24s %s\n", r.name.c_str(),
                        r.uplink.c_str(), r.status.c_str(),
                        static_cast<unsigned long long>(r.versions),
                        static_cast<unsigned long long>(r.bytes), r.fetched_at.c_str(),
                        r.fresh ? "fresh" : "stale");
        }
        return 0;
    }
    if (args[1] == "refresh" && args.size() == 3) {
        const auto name = model::PackageName::parse(args[2]);
        uplinks.refresh(name);
        const auto row = storage::UpstreamRepo{db}.find(name.str());
        std::cout << name.str() << ": " << (row ? row->status : "gone") << ", "
                  << (row ? row->versions : 0) << " versions\n";
        return 0;
    }
    if (args[1] == "purge" && args.size() == 3) {
        uplinks.purge(model::PackageName::parse(args[2]).str());
        std::cout << "purged " << args[2] << "\n";
        return 0;
    }
    if (args[1] == "purge" && args.size() == 4 && args[2] == "--older-than") {
        int days = -1;
        try {
            days = std::stoi(args[3]);
        } catch (const std::exception&) {
        }
        if (days < 0) return usage();
        const auto names = storage::UpstreamRepo{db}.fetched_before_days(days);
        for (const auto& n : names) uplinks.purge(n);
        std::cout << "purged " << names.size() << " documents\n";
        return 0;
    }
    return usage();
}

// depotctl keys (issue 13).
int keys_command(depot::storage::Db& db, const depot::Config& config,
                 const std::vector<std::string>& args) {
    using namespace depot;
    services::Signing signing{config, db};
    const auto print = [](const services::KeyInfo& k) {
        std::printf("%-52s %-24s %-24s %s\n", k.keyid.c_str(), k.created.c_str(),
                    k.expires.empty() ? "-" : k.expires.c_str(), k.active ? "signing" : "");
    };
    const auto sub = args.size() >= 2 ? args[1] : "";
    if (sub == "list" && args.size() == 2) {
        std::printf("%-52s %-24s %-24s %s\n", "KEYID", "CREATED", "EXPIRES", "");
        for (const auto& k : signing.list()) print(k);
        return 0;
    }
    if ((sub == "create" || sub == "rotate") && args.size() == 2) {
        const auto k = sub == "create" ? signing.create() : signing.rotate();
        print(k);
        const int n = signing.sign_all();
        if (n > 0) std::cout << n << " versions signed\n";
        return 0;
    }
    if (sub == "retire" && (args.size() == 3 || (args.size() == 5 && args[3] == "--expires"))) {
        signing.retire(args[2], args.size() == 5 ? args[4] : "");
        std::cout << "retired " << args[2] << "\n";
        // Proxied documents carry depot's signatures too: built again from
        // their raw copies (and local ones from the rows) on their next read.
        services::Documents{config}.drop_all();
        if (!storage::SigningRepo{db}.active())
            std::cout << "no key signs new versions now: depotctl keys create\n";
        const int n = signing.sign_all();
        if (n > 0) std::cout << n << " versions signed again\n";
        return 0;
    }
    if (sub == "sign-all" && args.size() == 2) {
        if (!signing.enabled()) {
            std::fputs("depotctl keys: no signing_kek_file in the config\n", stderr);
            return 1;
        }
        std::cout << signing.sign_all() << " versions signed\n";
        return 0;
    }
    std::fputs(
        "usage: depotctl keys list | create | rotate | retire KEYID [--expires TIME] | "
        "sign-all\n",
        stderr);
    return 2;
}

int rebuild_packuments(const depot::Config& config) {
    // Readers build each document again from the rows on their next read.
    depot::services::Documents{config}.drop_all();
    std::cout << "documents dropped; each is rebuilt on its next read\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace depot;
    // services/readme runs this binary as a time-limited Markdown renderer.
    if (argc == 2 && std::string_view{argv[1]} == "--render-markdown") {
        return render::run_markdown_filter();
    }
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
            // Signing comes with the schema: a first key, and every version
            // signed (issue 13), whenever a key-encryption key is configured.
            services::Signing signing{config, db};
            if (signing.enabled()) {
                if (signing.list().empty())
                    std::cout << "signing key " << signing.create().keyid << " created\n";
                if (const int n = signing.sign_all(); n > 0) std::cout << n << " versions signed\n";
            }
            return 0;
        }
        if (cmd == "log") return print_log(db, args);
        if (cmd == "advisory") return add_advisory(db, args);
        if (cmd == "scope") return scope_command(db, args);
        if (cmd == "user") return show_user(db, args);
        if (cmd == "render-readmes") return render_readmes(db, config);
        if (cmd == "rebuild-packuments") return rebuild_packuments(config);
        if (cmd == "sweep") return sweep_command(db, config, args);
        if (cmd == "cache") return cache_command(db, config, args);
        if (cmd == "keys") return keys_command(db, config, args);
        if (cmd == "package" && (args.size() == 3 || (args.size() == 4 && args[3] == "--off")) &&
            args[1] == "require-staging") {
            const auto pkg =
                storage::PackageRepo{db}.find(model::PackageName::parse(args[2]).str());
            if (!pkg) {
                std::fprintf(stderr, "depotctl: no package %s\n", args[2].c_str());
                return 1;
            }
            storage::StagedRepo{db}.set_requires_staging(pkg->id, args.size() == 3);
            std::cout << pkg->name << (args.size() == 3 ? " requires" : " no longer requires")
                      << " staging for token publishes\n";
            return 0;
        }
        if (cmd == "tokens" && args.size() == 3 && args[1] == "expire" && args[2] == "--classic") {
            const int n = storage::TokenRepo{db}.expire_classic();
            std::cout << n << " classic token" << (n == 1 ? "" : "s") << " expired\n";
            return 0;
        }
        if ((cmd == "backup" || cmd == "restore") && args.size() == 2) {
            const auto r = cmd == "backup" ? services::backup(config, db, args[1])
                                           : services::restore(config, db, args[1]);
            std::cout << (cmd == "backup" ? "backed up" : "restored") << " schema "
                      << r.schema_version << ", " << r.tarballs << " tarballs (" << r.bytes
                      << " bytes)" << (cmd == "restore" ? "; restart depot-fcgi" : "") << "\n";
            return 0;
        }
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
