#include "render/json.hpp"

#include <unordered_set>

namespace depot::render {

bool json_depth_within(std::string_view text, int max_depth) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

bool parse_json(rapidjson::Document& doc, std::string_view text) {
    // Deep nesting would exhaust a worker's stack in Accept(), CopyFrom() or
    // operator== even when the iterative parser itself survives it.
    if (!json_depth_within(text, kMaxJsonDepth)) return false;
    // Without kParseStopWhenDoneFlag, anything but whitespace after the value is an
    // error; invalid UTF-8 is one too (review L7: it would reach MySQL as a 500).
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                      text.size());
    return !doc.HasParseError();
}

bool has_duplicate_keys(const rapidjson::Value& v) {  // NOLINT(misc-no-recursion): depth ≤ 64
    if (v.IsArray()) {
        for (const auto& e : v.GetArray()) {
            if (has_duplicate_keys(e)) return true;
        }
        return false;
    }
    if (!v.IsObject()) return false;
    std::unordered_set<std::string_view> seen;
    seen.reserve(v.MemberCount());
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        if (!seen.emplace(it->name.GetString(), it->name.GetStringLength()).second) return true;
        if (has_duplicate_keys(it->value)) return true;
    }
    return false;
}

const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view key) {
    if (!obj.IsObject()) return nullptr;
    const auto it = obj.FindMember(rapidjson::Value{rapidjson::StringRef(key.data(), key.size())});
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string_view string_member(const rapidjson::Value& obj, std::string_view key) {
    if (!obj.IsObject()) return {};
    const auto it = obj.FindMember(rapidjson::Value{rapidjson::StringRef(key.data(), key.size())});
    if (it == obj.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
}

std::string error_json(std::string_view message) {
    JsonWriter w;
    w.begin_object().field("error", message).end_object();
    return w.str();
}

}  // namespace depot::render
