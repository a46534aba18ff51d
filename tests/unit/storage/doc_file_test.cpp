// The gzip document files (storage/doc_file): a document built whole and
// one grown by appending pieces inflate (with zlib, as npm and browsers do)
// to exactly the text of the plan, with a valid gzip CRC and length; the
// sidecar only matches its own file.

#include "storage/doc_file.hpp"

#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using depot::storage::decode_meta;
using depot::storage::DocMeta;
using depot::storage::DocPlan;
using depot::storage::encode_meta;
using depot::storage::OldDoc;
using depot::storage::read_matching_meta;
using depot::storage::write_document;

namespace {

// An anonymous file that goes with the test.
struct MemFile {
    MemFile() : fd{::memfd_create("doc", 0)} {
        if (fd < 0) throw std::runtime_error("memfd_create");
    }
    ~MemFile() { ::close(fd); }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;
    std::string bytes() const {
        std::string out;
        char buf[65536];
        off_t off = 0;
        while (true) {
            const auto n = ::pread(fd, buf, sizeof buf, off);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
            off += n;
        }
        return out;
    }
    int fd;
};

// zlib's gunzip, which checks the CRC and length of the trailer.
std::string gunzip(const std::string& gz) {
    z_stream z{};
    BOOST_REQUIRE_EQUAL(inflateInit2(&z, 16 + 15), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = static_cast<uInt>(gz.size());
    std::string out;
    char buf[65536];
    int rc = Z_OK;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    }
    inflateEnd(&z);
    BOOST_REQUIRE_EQUAL(rc, Z_STREAM_END);
    BOOST_CHECK_EQUAL(z.avail_in, 0u);  // nothing after the trailer
    return out;
}

std::string piece(int i) {
    return (i == 0 ? "" : ",") + std::string{"\"1.0."} + std::to_string(i) +
           "\":{\"name\":\"proto\",\"version\":\"1.0." + std::to_string(i) +
           "\",\"dependencies\":{\"left-pad\":\"^1.3.0\"},\"dist\":{\"shasum\":\"" +
           std::to_string(i * 7919) + "\"}}";
}

std::string text_of(const DocPlan& plan, const std::vector<std::vector<std::string>>& chains) {
    std::string t;
    for (std::size_t i = 0; i < plan.fixed.size(); ++i) {
        t += plan.fixed[i];
        if (i < chains.size()) {
            for (const auto& p : chains[i]) t += p;
        }
    }
    return t;
}

std::string meta_path_for(const DocMeta& m) {
    char tmpl[] = "/tmp/depot-doc-meta-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    const auto bytes = encode_meta(m);
    BOOST_REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fd);
    return tmpl;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(doc_file)

BOOST_AUTO_TEST_CASE(a_whole_document_inflates_to_its_text) {
    DocPlan plan;
    plan.fixed = {"{\"name\":\"proto\",\"versions\":{", "},\"time\":{\"created\":\"x\"", "}}"};
    plan.chains.resize(2);
    for (int i = 0; i < 50; ++i) {
        plan.chains[0].pieces.push_back(piece(i));
        plan.chains[1].pieces.push_back(",\"1.0." + std::to_string(i) + "\":\"t\"");
    }
    MemFile f;
    const auto meta = write_document(f.fd, plan, nullptr);
    const auto gz = f.bytes();
    BOOST_CHECK_EQUAL(meta.file_size, gz.size());
    const auto text = gunzip(gz);
    BOOST_CHECK_EQUAL(text, text_of(plan, {plan.chains[0].pieces, plan.chains[1].pieces}));
    BOOST_CHECK_EQUAL(meta.ulen, text.size());
    BOOST_CHECK_EQUAL(meta.chains.at(0).count, 50u);
}

BOOST_AUTO_TEST_CASE(appending_gives_the_same_text_as_building_whole) {
    DocPlan plan;
    plan.fixed = {"{\"versions\":{", "},\"time\":{\"modified\":\"a\"", "}}"};
    plan.chains.resize(2);
    std::vector<std::vector<std::string>> all(2);
    MemFile first;
    auto meta = write_document(first.fd, plan, nullptr);  // empty chains
    int old_fd = first.fd;
    std::vector<std::unique_ptr<MemFile>> files;
    // 300 publishes, one version each, every one from the file before it.
    for (int i = 0; i < 300; ++i) {
        DocPlan next;
        next.fixed = {"{\"versions\":{", "},\"time\":{\"modified\":\"" + std::to_string(i) + "\"",
                      "},\"readme\":\"r" + std::to_string(i) + "\"}"};
        next.chains.resize(2);
        next.chains[0].append = next.chains[1].append = true;
        next.chains[0].pieces = {piece(i)};
        next.chains[1].pieces = {",\"1.0." + std::to_string(i) + "\":\"t\""};
        all[0].push_back(next.chains[0].pieces[0]);
        all[1].push_back(next.chains[1].pieces[0]);
        const OldDoc old{old_fd, meta};
        files.push_back(std::make_unique<MemFile>());
        meta = write_document(files.back()->fd, next, &old);
        old_fd = files.back()->fd;
        if (i % 50 == 0 || i == 299) {
            BOOST_REQUIRE_EQUAL(gunzip(files.back()->bytes()), text_of(next, all));
        }
        plan = next;
    }
    // Compressed with the chain's end as dictionary: close to a whole build.
    DocPlan whole = plan;
    whole.chains[0] = {false, all[0]};
    whole.chains[1] = {false, all[1]};
    MemFile w;
    const auto whole_meta = write_document(w.fd, whole, nullptr);
    BOOST_CHECK_EQUAL(gunzip(w.bytes()), text_of(plan, all));
    BOOST_CHECK_EQUAL(whole_meta.crc, meta.crc);
    BOOST_TEST_MESSAGE("appended " << meta.file_size << " bytes, whole " << whole_meta.file_size);
    // Pieces appended alone are compressed again together every
    // kCompactPieces: the file stays within a few percent of a whole build.
    BOOST_CHECK_LT(meta.file_size, whole_meta.file_size * 5 / 4);
}

BOOST_AUTO_TEST_CASE(a_sidecar_matches_only_its_own_file) {
    DocPlan plan;
    plan.fixed = {"{\"versions\":{", "}}"};
    plan.chains = {{false, {piece(0), piece(1)}}};
    MemFile a;
    const auto meta = write_document(a.fd, plan, nullptr);
    const auto path = meta_path_for(meta);
    BOOST_CHECK(read_matching_meta(a.fd, path).has_value());

    plan.fixed[1] = "}} ";  // another document of the same shape
    MemFile b;
    (void)write_document(b.fd, plan, nullptr);
    BOOST_CHECK(!read_matching_meta(b.fd, path).has_value());
    std::remove(path.c_str());

    BOOST_CHECK(!decode_meta("").has_value());
    BOOST_CHECK(!decode_meta("DPD1short").has_value());
    auto bytes = encode_meta(meta);
    BOOST_CHECK(decode_meta(bytes).has_value());
    bytes.push_back('x');
    BOOST_CHECK(!decode_meta(bytes).has_value());
}

BOOST_AUTO_TEST_CASE(appending_needs_an_old_document) {
    DocPlan plan;
    plan.fixed = {"[", "]"};
    plan.chains = {{true, {"1"}}};
    MemFile f;
    BOOST_CHECK_THROW((void)write_document(f.fd, plan, nullptr), std::logic_error);
    plan.chains.clear();
    BOOST_CHECK_THROW((void)write_document(f.fd, plan, nullptr), std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()
