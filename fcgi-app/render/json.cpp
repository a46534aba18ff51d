#include "render/json.hpp"

namespace depot::render {

bool parse_json(rapidjson::Document& doc, std::string_view text) {
    // Without kParseStopWhenDoneFlag, anything but whitespace after the value is an error.
    doc.Parse(text.data(), text.size());
    return !doc.HasParseError();
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
