#pragma once
// The one error type that handlers, services and models throw. fcgi/ catches it
// once and api/errors.cpp renders it as {"error": ...} or an HTML page.

#include <stdexcept>
#include <string>
#include <utility>

namespace depot {

class HttpError : public std::runtime_error {
  public:
    HttpError(int status, std::string message, std::string www_authenticate = {})
        : std::runtime_error(std::move(message)),
          status_(status),
          www_authenticate_(std::move(www_authenticate)) {}

    int status() const noexcept { return status_; }
    // npm picks its hint from this header on a 401 (protocol §1.5): "Basic" for a
    // bad password, "Bearer" for a bad token.
    const std::string& www_authenticate() const noexcept { return www_authenticate_; }
    // Seconds a 429 or 503 asks the client to wait (a Retry-After header); 0: none.
    int retry_after() const noexcept { return retry_after_; }
    HttpError& with_retry_after(int seconds) noexcept {
        retry_after_ = seconds;
        return *this;
    }

  private:
    int status_;
    std::string www_authenticate_;
    int retry_after_ = 0;
};

inline HttpError bad_request(std::string m) { return {400, std::move(m)}; }
inline HttpError unauthorized(std::string m, std::string scheme = "Bearer") {
    return {401, std::move(m), std::move(scheme)};
}
inline HttpError forbidden(std::string m) { return {403, std::move(m)}; }
inline HttpError not_found(std::string m) { return {404, std::move(m)}; }
inline HttpError conflict(std::string m) { return {409, std::move(m)}; }
inline HttpError payload_too_large(std::string m) { return {413, std::move(m)}; }
inline HttpError unavailable(std::string m) { return {503, std::move(m)}; }
inline HttpError too_many_requests(std::string m, int retry_after_seconds) {
    return std::move(HttpError{429, std::move(m)}.with_retry_after(retry_after_seconds));
}

}  // namespace depot
