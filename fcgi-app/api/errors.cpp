#include "api/errors.hpp"

#include "http/negotiate.hpp"
#include "http/uri.hpp"
#include "log.hpp"
#include "render/json.hpp"
#include "render/views.hpp"

namespace depot::api {

http::Response render_error(const http::Request& req, Context& ctx, int status,
                            std::string_view message_in, std::string_view www_authenticate) {
    // Messages quote what the client sent (a name, a path): bytes that are
    // not UTF-8 become '?', so every error is valid JSON and HTML text.
    std::string message{message_in};
    if (!http::valid_utf8(message)) {
        for (char& c : message) {
            if (static_cast<unsigned char>(c) >= 0x80) c = '?';
        }
    }
    http::Response r;
    if (http::wants_html(req.header("accept"))) {
        try {
            r = http::html(status, ctx.views.error_page(status, http::reason_phrase(status),
                                                        message, req.request_id));
        } catch (const std::exception& e) {
            log::error(std::string{"error page failed to render: "} + e.what(), req.request_id);
            r = http::json(status, render::error_json(message));
        }
    } else {
        r = http::json(status, render::error_json(message));
    }
    if (status == 401 && !www_authenticate.empty()) {
        r.set("WWW-Authenticate", std::string{www_authenticate});
    }
    r.set("Cache-Control", "no-store");
    return r;
}

}  // namespace depot::api
