#pragma once
// A failed write to the stores (tarballs, documents) as the client should
// hear it (issue 10): a full disk or quota is 507, a read-only or failing
// file system 503, both with nothing changed; anything else stays an
// internal error. One function for the three writers, so they cannot differ.

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "error.hpp"
#include "log.hpp"

namespace depot::storage {

[[noreturn]] inline void throw_io_error(const std::string& where, const std::string& what) {
    const int e = errno;
    const auto detail = where + ": " + what + ": " + std::strerror(e);
    if (e == ENOSPC || e == EDQUOT) {
        log::error(detail);
        throw HttpError(507,
                        "the registry's storage is full; nothing was changed, try again later");
    }
    if (e == EROFS || e == EIO) {
        log::error(detail);
        throw HttpError(503,
                        "the registry's storage cannot be written right now; nothing was changed");
    }
    throw std::runtime_error(detail);
}

}  // namespace depot::storage
