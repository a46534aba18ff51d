#pragma once
// The only way JSON text is produced: RapidJSON's Writer (escaped, well-formed).
// RAPIDJSON_ASSERT throws instead of aborting, so a misuse is a 500, not a crash.

#include <stdexcept>
#include <string>
#include <string_view>

#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT_THROWS
#define RAPIDJSON_ASSERT(x)                                 \
    do {                                                    \
        if (!(x)) throw std::logic_error("rapidjson: " #x); \
    } while (false)
#endif
#define RAPIDJSON_HAS_STDSTRING 1
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace depot::render {

// A thin wrapper that takes string_view and returns the text at the end.
class JsonWriter {
  public:
    JsonWriter() : w_{buf_} {}

    JsonWriter& begin_object() {
        w_.StartObject();
        return *this;
    }
    JsonWriter& end_object() {
        w_.EndObject();
        return *this;
    }
    JsonWriter& begin_array() {
        w_.StartArray();
        return *this;
    }
    JsonWriter& end_array() {
        w_.EndArray();
        return *this;
    }
    JsonWriter& key(std::string_view k) {
        w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()), true);
        return *this;
    }
    JsonWriter& string(std::string_view v) {
        w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()), true);
        return *this;
    }
    JsonWriter& boolean(bool v) {
        w_.Bool(v);
        return *this;
    }
    JsonWriter& integer(long long v) {
        w_.Int64(v);
        return *this;
    }
    JsonWriter& number(double v) {
        w_.Double(v);
        return *this;
    }
    JsonWriter& null() {
        w_.Null();
        return *this;
    }
    // A fragment that is already valid JSON (a stored manifest, a stored packument part).
    JsonWriter& raw(std::string_view json) {
        w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
        return *this;
    }
    JsonWriter& field(std::string_view k, std::string_view v) { return key(k).string(v); }
    // Any parsed value, written through the same writer.
    JsonWriter& value(const rapidjson::Value& v) {
        v.Accept(w_);
        return *this;
    }

    [[nodiscard]] std::string str() const { return {buf_.GetString(), buf_.GetSize()}; }

  private:
    rapidjson::StringBuffer buf_;
    rapidjson::Writer<rapidjson::StringBuffer> w_;
};

// Nesting depth depot accepts in any JSON it reads: package.json files are
// shallow, and deeper input only exists to exhaust a stack.
inline constexpr int kMaxJsonDepth = 64;

// True when no array or object in text nests deeper than max_depth.
[[nodiscard]] bool json_depth_within(std::string_view text, int max_depth);

// Parses text into doc; false on malformed or too deeply nested JSON
// (never throws for bad input).

[[nodiscard]] bool parse_json(rapidjson::Document& doc, std::string_view text);

// True when an object anywhere in v repeats a key. JavaScript's JSON.parse
// keeps the last value, RapidJSON's FindMember finds the first: a document
// that repeats a key means one thing to depot and another to npm.
[[nodiscard]] bool has_duplicate_keys(const rapidjson::Value& v);

// The member key of obj (the first, should it repeat), or nullptr when
// absent or obj is not an object.
[[nodiscard]] const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view key);

// The string member key of obj, or empty when absent or not a string.
[[nodiscard]] std::string_view string_member(const rapidjson::Value& obj, std::string_view key);

// {"error": message}: the one shape npm shows to the user (protocol §1.5).
[[nodiscard]] std::string error_json(std::string_view message);

}  // namespace depot::render
