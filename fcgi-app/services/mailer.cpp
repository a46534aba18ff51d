#include "services/mailer.hpp"

#include <sstream>
#include <stdexcept>
#include <vector>

#include "config.hpp"
#include "services/child_process.hpp"

namespace depot::services {
namespace {

constexpr auto kMailTimeout = std::chrono::seconds(30);

std::vector<std::string> split_words(const std::string& command) {
    std::vector<std::string> words;
    std::istringstream in{command};
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

}  // namespace

void send_mail(const Config& config, std::string_view to, std::string_view subject,
               std::string_view body) {
    // Addresses were validated (no CR, LF or spaces), so no header can be injected.
    const std::string message = "From: " + config.mail_from + "\nTo: " + std::string{to} +
                                "\nSubject: " + std::string{subject} +
                                "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" +
                                std::string{body};
    const auto words = split_words(config.sendmail);
    if (words.empty()) throw std::runtime_error("mail: no sendmail command configured");
    const auto r = run_child(words, message, kMailTimeout, 1 << 16);
    if (r.timed_out) throw std::runtime_error("mail: " + words[0] + " did not finish in time");
    if (!r.exited || r.exit_status != 0) {
        throw std::runtime_error("mail: " + words[0] + " failed with status " +
                                 std::to_string(r.exit_status));
    }
}

}  // namespace depot::services
