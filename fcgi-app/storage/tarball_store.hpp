#pragma once
// Where tarball bytes live. The one virtual interface of the code base: the
// local disk now, an object store when several hosts share tarballs.
// Workers write through it on publish; downloads never read through it —
// nginx serves the file named by accel_uri() (SPEC §2).

#include <string>
#include <string_view>

namespace depot::storage {

class TarballStore {
  public:
    virtual ~TarballStore() = default;
    // Stores bytes under key atomically: a reader sees the whole file or none.
    // Keys are content-addressed: false when the key existed (same bytes),
    // so the caller knows the file is not its own to remove.
    // Throws std::runtime_error (disk full, permissions).
    [[nodiscard]] virtual bool put(const std::string& key, std::string_view bytes) = 0;
    // False when it did not remove the file: removals are paused while a
    // backup copies the store (depotctl backup), so every file a snapshot of
    // the rows names is still there; the sweep removes it later.
    virtual bool remove(const std::string& key) noexcept = 0;
    [[nodiscard]] virtual bool removals_paused() const noexcept = 0;
    [[nodiscard]] virtual bool exists(const std::string& key) const noexcept = 0;
    // The internal URI nginx answers X-Accel-Redirect with; shared caches may
    // keep public tarballs only.
    [[nodiscard]] virtual std::string accel_uri(const std::string& key, bool is_public) const = 0;

    // Drop partial writes left by a killed worker, older than age_seconds
    // (15 minutes: another host's write in progress is safe). Returns how many.
    virtual int clean_orphans(int age_seconds) = 0;
};

// Files under one directory: KEY → DIR/KEY, written as DIR/.tmp/… then
// fsync'd and linked into place.
class LocalDiskStore final : public TarballStore {
  public:
    explicit LocalDiskStore(std::string root);
    [[nodiscard]] bool put(const std::string& key, std::string_view bytes) override;
    bool remove(const std::string& key) noexcept override;
    [[nodiscard]] bool removals_paused() const noexcept override;
    [[nodiscard]] bool exists(const std::string& key) const noexcept override;
    // One marker file per running backup in this directory, touched as it
    // copies; one untouched for hours is a dead backup's and pauses nothing.
    static constexpr std::string_view kBackupMarkers = ".backups";
    [[nodiscard]] std::string accel_uri(const std::string& key, bool is_public) const override;

    int clean_orphans(int age_seconds) override;

    static constexpr std::string_view kAccelPrefix = "/-/internal/tarballs/";
    static constexpr std::string_view kPrivateAccelPrefix = "/-/internal/private-tarballs/";

  private:
    std::string root_;
};

}  // namespace depot::storage
