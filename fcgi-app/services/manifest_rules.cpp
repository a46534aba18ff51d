#include "services/manifest_rules.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include "model/semver.hpp"

namespace depot::services {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

constexpr std::array<const char*, 3> kInstallScripts{"preinstall", "install", "postinstall"};
constexpr std::array<const char*, 4> kAsIs{"peerDependencies", "os", "cpu", "libc"};

std::string_view sv(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

using render::member;

Value str_value(std::string_view s, Alloc& a) {
    return Value{s.data(), static_cast<rapidjson::SizeType>(s.size()), a};
}

bool js_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string trim(std::string_view s) {
    while (!s.empty() && js_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && js_space(s.back())) s.remove_suffix(1);
    return std::string{s};
}

// A map keeps the object's keys unique; the last one given wins, as in JavaScript.
using Deps = std::map<std::string, std::string>;

// "foo@^1", "bar", "baz >=1.2" → name and range, as npm's array form does:
// the name ends at the first of @, space, >, <, = (or ':' before one).
std::pair<std::string, std::string> split_dep(std::string_view item) {
    const auto d = trim(item);
    const auto sep = [](char c) {
        return c == '@' || js_space(c) || c == '>' || c == '<' || c == '=';
    };
    std::size_t i = 0;
    for (; i < d.size(); ++i) {
        if (sep(d[i]) || (d[i] == ':' && i + 1 < d.size() && sep(d[i + 1]))) break;
    }
    std::string_view rest = std::string_view{d}.substr(i);
    if (rest.starts_with("@")) rest.remove_prefix(1);
    return {d.substr(0, i), trim(rest)};
}

// dependencies / optionalDependencies as npm turns them into an object; nullopt: leave as is.
std::optional<Value> dependency_object(const Value& v, bool strings_only, Alloc& a) {
    std::vector<std::string> items;
    if (v.IsString()) {
        std::string cur;
        for (const char c : trim(sv(v)) + " ") {
            if (js_space(c) || c == ',') {
                if (!cur.empty()) items.push_back(cur);
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
        if (items.empty()) items.emplace_back();  // "".split(...) is [""]
    } else if (v.IsArray()) {
        for (const auto& e : v.GetArray()) {
            if (e.IsString()) items.emplace_back(sv(e));
        }
    } else if (v.IsObject()) {
        Value o{rapidjson::kObjectType};
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            if (strings_only && !it->value.IsString()) continue;
            o.RemoveMember(it->name);
            o.AddMember(Value{it->name, a}, Value{it->value, a}, a);
        }
        return o;
    } else {
        return std::nullopt;
    }
    Deps deps;
    for (const auto& item : items) {
        auto [name, range] = split_dep(item);
        deps[name] = range;
    }
    Value o{rapidjson::kObjectType};
    for (const auto& [name, range] : deps) o.AddMember(str_value(name, a), str_value(range, a), a);
    return o;
}

bool truthy(const Value* v) {
    if (!v || v->IsNull() || v->IsFalse()) return false;
    if (v->IsString()) return v->GetStringLength() > 0;
    if (v->IsNumber()) return v->GetDouble() != 0;
    return true;
}

std::string basename(std::string_view p) {
    while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
    const auto slash = p.rfind('/');
    return std::string{slash == std::string_view::npos ? p : p.substr(slash + 1)};
}

void normalize_bin(const Value& bin, std::string_view name, Value& out, Alloc& a) {
    std::vector<std::pair<std::string, std::string>> entries;
    if (bin.IsString()) {
        if (!name.empty()) entries.emplace_back(name, sv(bin));
    } else if (bin.IsArray()) {
        for (const auto& e : bin.GetArray()) {
            if (e.IsString()) entries.emplace_back(basename(sv(e)), sv(e));
        }
    } else if (bin.IsObject()) {
        for (auto it = bin.MemberBegin(); it != bin.MemberEnd(); ++it) {
            if (it->value.IsString()) entries.emplace_back(sv(it->name), sv(it->value));
        }
    }
    std::map<std::string, std::string> clean;
    for (const auto& [key, target] : entries) {
        const auto base = basename(secure_path(key));
        const auto path = secure_path(target);
        if (base.empty() || path.empty()) continue;
        clean[base] = path;
    }
    out.SetObject();
    for (const auto& [k, v] : clean) out.AddMember(str_value(k, a), str_value(v, a), a);
}

// directories.bin with no bin: every file and folder below it, by base name.
void expand_bin_dir(std::string_view dir, const std::vector<std::string>& files, Value& out,
                    Alloc& a) {
    const auto bin_path = secure_path(dir);
    std::set<std::string> found;  // paths below bin_path, files and the folders they are in
    const std::string prefix = bin_path + "/";
    for (const auto& f : files) {
        if (bin_path.empty() || !f.starts_with(prefix)) continue;
        std::string rel = f.substr(prefix.size());
        for (std::size_t at = rel.find('/'); at != std::string::npos; at = rel.find('/', at + 1)) {
            found.insert(rel.substr(0, at));
        }
        found.insert(rel);
    }
    std::map<std::string, std::string> bins;
    for (const auto& rel : found) {
        bool hidden = false;  // glob skips dot entries at any depth
        std::size_t start = 0;
        while (start <= rel.size()) {
            const auto end = rel.find('/', start);
            if (rel[start] == '.') hidden = true;
            if (end == std::string::npos) break;
            start = end + 1;
        }
        if (rel.empty() || hidden) continue;
        bins[basename(rel)] = bin_path + "/" + secure_path(rel);
    }
    out.SetObject();
    for (const auto& [k, v] : bins) out.AddMember(str_value(k, a), str_value(v, a), a);
}

// npm's /^(\.[/\\])?node_modules[/\\].bin[\\/]/ (the '.' before bin is any character).
std::string strip_bin_prefix(std::string_view s) {
    std::string_view t = s;
    if (t.size() >= 2 && t[0] == '.' && (t[1] == '/' || t[1] == '\\')) t.remove_prefix(2);
    constexpr std::string_view kDir = "node_modules";
    const auto slash = [](char c) { return c == '/' || c == '\\'; };
    if (t.size() >= kDir.size() + 6 && t.starts_with(kDir) && slash(t[kDir.size()]) &&
        t.substr(kDir.size() + 2, 3) == "bin" && slash(t[kDir.size() + 5])) {
        return std::string{t.substr(kDir.size() + 6)};
    }
    return std::string{s};
}

// semver.clean: "v1.0.0", "=1.0.0", " 1.0.0 ", "1.0.0+build" → "1.0.0".
std::string clean_version(std::string_view raw) {
    auto v = trim(raw);
    std::size_t i = 0;
    while (i < v.size() && (v[i] == '=' || v[i] == 'v' || js_space(v[i]))) ++i;
    v = v.substr(i);
    if (const auto plus = v.find('+'); plus != std::string::npos) v = v.substr(0, plus);
    return model::Semver::valid(v) ? v : trim(raw);
}

bool empty_value(const Value* v) {
    return !v || v->IsNull() || (v->IsObject() && v->MemberCount() == 0) ||
           (v->IsArray() && v->Empty());
}

// The repository a git dependency spec names, in one form: "github:a/b.git#x",
// "git+https://github.com/a/b#x", "a/b#x" and "git@github.com:a/b.git#x" all
// become "github.com/a/b#x". Non-git specs are returned as they are.
std::string git_identity(std::string_view spec) {
    std::string s{spec};
    std::string frag;
    if (const auto hash = s.find('#'); hash != std::string::npos) {
        frag = s.substr(hash);
        s = s.substr(0, hash);
    }
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kShort{
        {{"github:", "github.com/"}, {"gitlab:", "gitlab.com/"}, {"bitbucket:", "bitbucket.org/"}}};
    for (const auto& [from, to] : kShort) {
        if (s.starts_with(from)) return std::string{to} + s.substr(from.size()) + frag;
    }
    if (s.starts_with("gist:")) return "gist.github.com/" + s.substr(5) + frag;
    bool gitish = false;
    for (const std::string_view p : {"git+ssh://", "git+https://", "git+http://", "git://",
                                     "ssh://", "https://", "http://", "git+file://"}) {
        if (s.starts_with(p)) {
            s = s.substr(p.size());
            gitish = true;
            break;
        }
    }
    if (const auto at = s.find('@'); gitish || s.starts_with("git@")) {
        if (at != std::string::npos && at < s.find('/')) s = s.substr(at + 1);  // user@
        gitish = true;
    }
    if (!gitish) {
        // "user/repo": npm's GitHub shorthand (not a path, a range or a tag).
        const auto slash = s.find('/');
        const bool shorthand = slash != std::string::npos && slash > 0 && slash + 1 < s.size() &&
                               s.find('/', slash + 1) == std::string::npos && s[0] != '.' &&
                               s[0] != '@' && s.find(':') == std::string::npos;
        return shorthand ? "github.com/" + s + frag : std::string{spec};
    }
    if (const auto colon = s.find(':'); colon != std::string::npos && colon < s.find('/')) {
        s[colon] = '/';  // scp-like "github.com:a/b"
    }
    if (s.ends_with(".git")) s.resize(s.size() - 4);
    return s + frag;
}

bool same_dependencies(const Value* sent, const Value* want) {
    if (empty_value(sent) && empty_value(want)) return true;
    if (!sent || !want || !sent->IsObject() || !want->IsObject()) {
        return sent && want && *sent == *want;
    }
    if (sent->MemberCount() != want->MemberCount()) return false;
    for (auto it = want->MemberBegin(); it != want->MemberEnd(); ++it) {
        const auto* s = member(*sent, sv(it->name));
        if (!s) return false;
        if (*s == it->value) continue;
        if (!s->IsString() || !it->value.IsString() ||
            git_identity(sv(*s)) != git_identity(sv(it->value))) {
            return false;
        }
    }
    return true;
}

bool same(const Value* sent, const Value* want) {
    if (empty_value(sent) && empty_value(want)) return true;
    return sent && want && *sent == *want;
}

}  // namespace

std::string secure_path(std::string_view path) {
    std::string p{path};
    std::replace(p.begin(), p.end(), '\\', '/');
    std::replace(p.begin(), p.end(), ':', '/');
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= p.size()) {
        const auto end = std::min(p.find('/', start), p.size());
        const auto part = p.substr(start, end - start);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = end + 1;
    }
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : "/") + part;
    if (!out.empty() && !p.empty() && p.back() == '/') out += "/";
    return out;
}

void derive_install_fields(const Value& pkg, const std::vector<std::string>& files,
                           rapidjson::Document& out) {
    auto& a = out.GetAllocator();
    out.SetObject();
    if (!pkg.IsObject()) return;
    const auto* name = member(pkg, "name");
    const std::string name_text = name && name->IsString() ? trim(sv(*name)) : "";
    if (name && name->IsString()) out.AddMember("name", str_value(name_text, a), a);
    if (const auto* v = member(pkg, "version"); v && v->IsString()) {
        out.AddMember("version", str_value(clean_version(sv(*v)), a), a);
    }

    // dependencies, with bundled names joining them
    std::optional<Value> deps;
    if (const auto* d = member(pkg, "dependencies"); truthy(d))
        deps = dependency_object(*d, true, a);
    const Value* bundle = member(pkg, "bundleDependencies");
    if (!bundle) bundle = member(pkg, "bundledDependencies");
    if (bundle) {
        Value names{rapidjson::kArrayType};
        if (bundle->IsTrue() && deps && deps->IsObject()) {
            for (auto it = deps->MemberBegin(); it != deps->MemberEnd(); ++it)
                names.PushBack(Value{it->name, a}, a);
        } else if (bundle->IsArray()) {
            for (const auto& n : bundle->GetArray()) {
                if (n.IsString() && n.GetStringLength() > 0) names.PushBack(Value{n, a}, a);
            }
        } else if (bundle->IsObject()) {
            for (auto it = bundle->MemberBegin(); it != bundle->MemberEnd(); ++it)
                names.PushBack(Value{it->name, a}, a);
        }
        for (const auto& n : names.GetArray()) {
            if (!deps) deps.emplace(rapidjson::kObjectType);
            if (!member(*deps, sv(n))) deps->AddMember(Value{n, a}, Value{"*", a}, a);
        }
        out.AddMember("bundleDependencies", names, a);
    }
    if (deps) out.AddMember("dependencies", *deps, a);
    if (const auto* d = member(pkg, "optionalDependencies"); truthy(d)) {
        if (auto o = dependency_object(*d, false, a)) {
            out.AddMember("optionalDependencies", *o, a);
        } else {
            out.AddMember("optionalDependencies", Value{*d, a}, a);
        }
    }
    for (const char* key : kAsIs) {
        if (const auto* v = member(pkg, key)) out.AddMember(Value{key, a}, Value{*v, a}, a);
    }

    // bin, or directories.bin expanded from the tarball's files
    Value bin;
    const auto* dirs = member(pkg, "directories");
    const auto* bin_dir = dirs ? member(*dirs, "bin") : nullptr;
    if (const auto* b = member(pkg, "bin");
        !truthy(b) && bin_dir && bin_dir->IsString() && bin_dir->GetStringLength() > 0) {
        expand_bin_dir(sv(*bin_dir), files, bin, a);
    } else if (truthy(b)) {
        normalize_bin(*b, name_text, bin, a);
    }
    if (bin.IsObject()) out.AddMember("bin", bin, a);

    // install hooks
    Value scripts{rapidjson::kObjectType};
    const auto* raw = member(pkg, "scripts");
    for (const char* hook : kInstallScripts) {
        const auto* s = raw ? member(*raw, hook) : nullptr;
        if (!s || !s->IsString()) continue;
        scripts.AddMember(Value{hook, a}, str_value(strip_bin_prefix(sv(*s)), a), a);
    }
    const auto* gypfile = member(pkg, "gypfile");
    const bool gyp = std::any_of(files.begin(), files.end(), [](const std::string& f) {
        return f.find('/') == std::string::npos && f.size() > 4 && f.ends_with(".gyp") &&
               f.front() != '.';
    });
    if (!member(scripts, "install") && !member(scripts, "preinstall") &&
        !(gypfile && gypfile->IsFalse()) && gyp) {
        scripts.AddMember("install", "node-gyp rebuild", a);
    }
    if (scripts.MemberCount() > 0) out.AddMember("scripts", scripts, a);
}

std::string install_mismatch(const Value& manifest, const Value& derived) {
    for (const char* key : {"name", "version"}) {
        if (!same(member(manifest, key), member(derived, key))) {
            return std::string{key} + " differs from package.json in the tarball";
        }
    }
    if (!same_dependencies(member(manifest, "dependencies"), member(derived, "dependencies"))) {
        return "dependencies differ from package.json in the tarball";
    }
    for (const char* key :
         {"optionalDependencies", "peerDependencies", "bin", "os", "cpu", "libc"}) {
        if (!same(member(manifest, key), member(derived, key))) {
            return std::string{key} + " differs from package.json in the tarball";
        }
    }
    const auto* sent_bundle = member(manifest, "bundleDependencies");
    if (!sent_bundle) sent_bundle = member(manifest, "bundledDependencies");
    const auto* want_bundle = member(derived, "bundleDependencies");
    const auto names = [](const Value* v) {
        std::set<std::string> out;
        if (v && v->IsArray()) {
            for (const auto& n : v->GetArray()) {
                if (n.IsString()) out.emplace(sv(n));
            }
        }
        return out;
    };
    if (names(sent_bundle) != names(want_bundle)) {
        return "bundleDependencies differ from package.json in the tarball";
    }
    const auto* sent_scripts = member(manifest, "scripts");
    const auto* want_scripts = member(derived, "scripts");
    for (const char* hook : kInstallScripts) {
        const auto* s = sent_scripts ? member(*sent_scripts, hook) : nullptr;
        const auto* w = want_scripts ? member(*want_scripts, hook) : nullptr;
        if (!same(s, w)) {
            return std::string{"scripts."} + hook + " differs from package.json in the tarball";
        }
    }
    return {};
}

}  // namespace depot::services
