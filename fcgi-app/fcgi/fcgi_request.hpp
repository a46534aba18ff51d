#pragma once
// RAII over FCGX_Request: the only place besides worker_pool that sees libfcgi.
// Turns FastCGI params + stdin into an http::Request and an http::Response
// into the CGI-style reply nginx expects.

#include <fcgiapp.h>

#include <cstdint>

#include "http/request.hpp"
#include "http/response.hpp"

namespace depot::fcgi {

class FcgiRequest {
  public:
    explicit FcgiRequest(int listen_fd);
    ~FcgiRequest();
    FcgiRequest(const FcgiRequest&) = delete;
    FcgiRequest& operator=(const FcgiRequest&) = delete;

    [[nodiscard]] bool accept();  // false on error (e.g. the listen socket was shut down)
    // Params only; the body is read by read_body().
    [[nodiscard]] http::Request read_head();
    // Reads CONTENT_LENGTH bytes, or marks the request when that exceeds max_bytes.
    void read_body(http::Request& req, std::uint64_t max_bytes);
    void write(const http::Request& req, const http::Response& resp);
    void finish();

  private:
    FCGX_Request req_{};
    bool active_ = false;
};

}  // namespace depot::fcgi
