#pragma once
// Request bodies at the edge: JSON documents and form fields, 400 when malformed.

#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"
#include "http/uri.hpp"
#include "render/json.hpp"

namespace depot::api {

// The body as a JSON object; throws bad_request() otherwise.
void parse_json_object(const http::Request& req, rapidjson::Document& doc);

// The form fields of a POST (application/x-www-form-urlencoded) or, when the
// body is JSON, its top-level string members.
[[nodiscard]] http::Fields parse_fields(const http::Request& req);

// "org.couchdb.user:NAME" → "NAME"; throws bad_request() otherwise.
[[nodiscard]] std::string couch_user_name(std::string_view couch_id);

// True when If-None-Match names etag (weak comparison, "*" matches).
[[nodiscard]] bool etag_matches(std::string_view if_none_match, std::string_view etag);

// The JSON response for a 2xx that npm parses, never cached (protocol §22).
[[nodiscard]] http::Response private_json(int status, std::string body);

}  // namespace depot::api
