#pragma once
// The Mustache views from views/: every *.mustache file is a page, every
// partials/_NAME.mustache a partial {{>NAME}}. All are compiled and checked at
// start (kainjow does not throw on a bad template; we refuse to start).
// {{x}} is HTML-escaped; {{{x}}} is not allowed anywhere (CI greps for it).

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace depot::render {

// Page models: plain data the handlers fill; the views escape every field
// except PackagePage::readme_html, which is cmark-gfm output (render/markdown).
struct PackageListItem {
    std::string name, description, version, modified;
};

struct HomePage {
    std::vector<PackageListItem> packages;
    std::string query;  // the search box, when it was used
    int page = 1;
    bool has_prev = false, has_next = false;
};

struct VersionItem {
    std::string version, date, deprecated;
    bool shown = false;
    // Supply chain (issue 13): the registry key that signed it, who or what
    // published it, and its provenance's source, commit, workflow and run.
    std::string signed_by, publisher;
    bool trusted_publisher = false;
    std::string source_repo, commit, workflow, build_url;
    bool provenance = false;
    bool provenance_checked =
        false;  // its repository is the trusted publisher's, checked at publish
};

struct TagItem {
    std::string tag, version;
};

struct PackagePage {
    std::string name, description, shown_version, shown_deprecated, readme_html, nightly_url;
    std::string readme_text;            // shown escaped when there is no rendered HTML
    std::vector<VersionItem> versions;  // newest first
    std::vector<TagItem> tags;
    std::vector<std::string> owners;
    // The management forms, for a token that may manage the package.
    bool manage = false;
    bool with_user_token = false;  // owners and rotation need the user token
    std::string project_token;     // shown to whoever holds it, to use with npm
    std::string csrf;
    bool otp = false;  // the account writes with a one-time password (issue 12)
    // Staged versions waiting for an owner (npm stage), with approve/reject forms.
    struct Staged {
        std::string id, version, tag, actor, created;
    };
    std::vector<Staged> staged;
    // What npm access set mfa= and depotctl package require-staging decided,
    // in words (npm access get status prints only public or private).
    std::string publish_policy;
};

// A user token shown once (SPEC §3), with the .npmrc line for registry_host,
// and the project tokens a reset rotated.
struct TokenPage {
    std::string title, message, token, name, registry_host;
    std::vector<std::pair<std::string, std::string>> project_tokens;  // package → token
};

// Where and when an npm web login started, for its approval page.
struct LoginRequest {
    std::string client_addr, user_agent, started;
};

// The web account page (issue 12): 2FA status, enrolment with a QR code.
struct AccountPage {
    std::string name, email, csrf;
    std::string tfa_mode;         // live mode, empty when off
    std::string otpauth, secret;  // enrolment in progress: shown once
    int qr_size = 0;
    std::vector<std::pair<int, int>> qr_dark;
    std::vector<std::string> recovery_codes;  // just confirmed: shown once
    std::string new_token;                    // just renewed: shown once
    std::string expires;                      // of the token in use
    std::string message, error;
};

struct ViewSources {
    std::map<std::string, std::string> pages;     // name → template text
    std::map<std::string, std::string> partials;  // name → template text
};

// Reads and validates; throws std::runtime_error naming the file.
[[nodiscard]] ViewSources load_view_sources(const std::string& dir);

// One per worker thread: kainjow's render() is not const.
class Views {
  public:
    explicit Views(const ViewSources& sources);
    ~Views();
    Views(const Views&) = delete;
    Views& operator=(const Views&) = delete;

    // Pages a handler can ask for; each builds its own data.
    [[nodiscard]] std::string error_page(int status, std::string_view reason,
                                         std::string_view message, std::string_view request_id);

    [[nodiscard]] std::string home_page(const HomePage& page);
    // A message with an optional link (errors that point somewhere, confirmations).
    [[nodiscard]] std::string notice_page(std::string_view title, std::string_view message,
                                          std::string_view link_href, std::string_view link_text);
    [[nodiscard]] std::string token_page(const TokenPage& page);
    // The pages behind the links in registration and reset mails: a button
    // (POST) does the work, so mail scanners that follow links change nothing.
    // change: the link confirms a new email for the account `name`.
    [[nodiscard]] std::string confirm_page(std::string_view email, std::string_view secret,
                                           std::string_view name, bool change);
    [[nodiscard]] std::string reset_page(std::string_view email, std::string_view secret,
                                         std::string_view name);
    // The old address's link after an email change: undo it and lock the account.
    [[nodiscard]] std::string revert_page(std::string_view email, std::string_view secret,
                                          std::string_view name);
    // Before a ?ut=/?pt= link's token manages a package in this browser.
    [[nodiscard]] std::string token_switch_page(std::string_view package, std::string_view kind,
                                                std::string_view secret, bool replaces,
                                                std::string_view csrf);
    [[nodiscard]] std::string package_page(const PackagePage& page);
    [[nodiscard]] std::string account_page(const AccountPage& page);

    // npm web login: sign in (or sign up when create) and approve the CLI.

    [[nodiscard]] std::string login_page(bool create, const LoginRequest& request,
                                         std::string_view error, std::string_view name);
    [[nodiscard]] std::string login_done_page(std::string_view name);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace depot::render
