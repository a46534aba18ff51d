#pragma once
// What npm 11 publishes of a package.json, for the fields that change an
// install (SPEC §5: what is served is what was published; issue 8, review
// M4 "manifest confusion"). The tarball keeps package.json as it is on disk,
// while npm normalises the manifest it sends (@npmcli/package-json's fix and
// prepare steps, npm 11.19.1):
// - name trimmed; version cleaned ("v1.0.0" → "1.0.0", build metadata dropped);
// - dependencies and optionalDependencies given as a string or an array
//   become objects; dependencies' git shorthands become full git URLs;
// - bundleDependencies: true becomes the dependency names, bundledDependencies
//   is renamed, and every bundled name missing from dependencies joins them as "*";
// - bin: a string or an array becomes an object, names become base names and
//   paths lose "./" and "..": with no bin, directories.bin lists its files;
// - scripts lose a leading node_modules/.bin/, and with no install or
//   preinstall script a *.gyp file at the root adds install: node-gyp rebuild;
// - peerDependencies, os, cpu and libc are sent as they are.
// depot derives the same from the tarball's package.json and refuses a
// publish whose manifest differs in any of them.

#include <string>
#include <string_view>
#include <vector>

#include "render/json.hpp"

namespace depot::services {

// The install-relevant fields npm would publish for package_json (an object)
// and the tarball's files (paths under package/): name, version,
// dependencies, optionalDependencies, peerDependencies, bundleDependencies,
// bin, scripts (preinstall, install, postinstall only), os, cpu, libc. Absent
// fields stay absent.
void derive_install_fields(const rapidjson::Value& package_json,
                           const std::vector<std::string>& files, rapidjson::Document& out);

// Empty when manifest (what the publish sent) agrees with derived in every
// install-relevant field, else a sentence naming the first that differs.
// Empty and absent are the same; git dependency specs are compared by the
// repository and commit they name, as npm's hosted-git-info writes them in
// several forms.
[[nodiscard]] std::string install_mismatch(const rapidjson::Value& manifest,
                                           const rapidjson::Value& derived);

// npm's path cleaning for bin entries (secureAndUnixifyPath): "\" and ":" are
// "/", ".." cannot climb out, no leading "/" or "./"; "" when nothing is left.
[[nodiscard]] std::string secure_path(std::string_view path);

}  // namespace depot::services
