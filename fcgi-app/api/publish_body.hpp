#pragma once
// Parses and checks npm's publish document (protocol §12.2–12.3): trust
// nothing in it; derive the hashes from the attachment bytes.

#include <string_view>

#include "model/package_name.hpp"
#include "services/publish.hpp"

namespace depot::api {

// Throws bad_request() with the reason for any body depot will not store.
[[nodiscard]] services::PublishInput parse_publish_body(const model::PackageName& url_name,
                                                        std::string_view body);

// True when the body carries an attachment with data: a publish, not a
// deprecate or star (which share PUT /NAME, protocol §26).
[[nodiscard]] bool is_publish_body(std::string_view body);

}  // namespace depot::api
