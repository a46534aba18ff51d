#include "api/errors.hpp"

#include "http/negotiate.hpp"
#include "log.hpp"
#include "render/json.hpp"
#include "render/views.hpp"

namespace depot::api {

http::Response render_error(const http::Request& req, Context& ctx, int status,
                            std::string_view message, std::string_view www_authenticate) {
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
