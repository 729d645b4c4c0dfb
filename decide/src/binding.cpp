// Supports digest (binding.hpp) with a self-contained SHA-256 (FIPS 180-4),
// so the library needs no crypto dependency.
#include "wellposed/decide/binding.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/network.hpp"

namespace wellposed {

namespace {
constexpr std::array<std::uint32_t, 64> kK = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(std::array<std::uint32_t, 8>& h, const unsigned char* p) {
  std::array<std::uint32_t, 64> w{};
  for (int i = 0; i < 16; ++i)
    w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) | (std::uint32_t{p[4 * i + 2]} << 8) |
           std::uint32_t{p[4 * i + 3]};
  for (int i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; ++i) {
    const std::uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kK[i] + w[i];
    const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void put_u64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

std::string sha256_hex(const std::string& bytes) {
  std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string m = bytes;
  const std::uint64_t bits = static_cast<std::uint64_t>(bytes.size()) * 8;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % 64 != 56) m.push_back('\0');
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  for (std::size_t off = 0; off < m.size(); off += 64) compress(h, reinterpret_cast<const unsigned char*>(m.data()) + off);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::uint32_t x : h)
    for (int i = 28; i >= 0; i -= 4) out.push_back(hex[(x >> i) & 0xf]);
  return out;
}

std::vector<Support> certificate_supports(const nlohmann::json& c) {
  const bool net = c.is_object() && c.contains("kind") && c["kind"] == "relu_network";
  const auto& list = c.at(net ? "layers" : "factors");
  if (!list.is_array()) throw std::invalid_argument(std::string(net ? "layers" : "factors") + " must be a list");
  std::vector<Support> f;
  for (const auto& s : list) {
    if (s.contains("bits")) {
      f.push_back(Support::from_base64(s.at("rows").get<std::size_t>(), s.at("cols").get<std::size_t>(),
                                       s.at("bits").get<std::string>()));
      continue;
    }
    Support x = Support::from_rows(s.at("mask").get<std::vector<std::string>>());
    if (x.rows() != s.at("rows").get<std::size_t>() || x.cols() != s.at("cols").get<std::size_t>())
      throw std::invalid_argument("a mask does not have its stated shape");
    f.push_back(std::move(x));
  }
  return f;
}

std::string supports_digest(const std::vector<Support>& factors) {
  std::string s = "wellposed-supports-v1";
  put_u64(s, factors.size());
  for (const Support& f : factors) {
    put_u64(s, f.rows());
    put_u64(s, f.cols());
    const auto e = f.entries();
    put_u64(s, e.size());
    for (const auto& [i, j] : e) {
      put_u64(s, i);
      put_u64(s, j);
    }
  }
  return "sha256:" + sha256_hex(s);
}

}  // namespace wellposed

namespace wellposed {

namespace {
std::string params_digest(const KChain& chain) {
  std::string s = "wellposed-kchain-v1";
  put_u64(s, chain.size());
  for (const auto& t : chain) {
    // S_theta of an identity pattern (b = c = 1) is I_{a d} whatever the split.
    const bool identity = t.b == 1 && t.c == 1;
    for (std::size_t v : {identity ? t.rows() : t.a, t.b, t.c, identity ? std::size_t{1} : t.d}) put_u64(s, v);
  }
  return "sha256:" + sha256_hex(s);
}
}  // namespace

std::string architecture_digest(const Architecture& a) {
  const auto bytes = a.materialize_bytes();
  if (a.materialized() || (bytes && *bytes <= kDigestDenseBytes)) return supports_digest(a.factors());
  if (const auto& chain = a.structural_chain()) return params_digest(*chain);
  if (a.family() && a.family()->family == "lu") {
    std::string s = "wellposed-lu-v1";
    put_u64(s, a.rows());
    return "sha256:" + sha256_hex(s);
  }
  return supports_digest(a.factors());  // refuses (throws) above the materialization limit
}

// review (forged certificates): a network's layers [W1, W2] and a matrix
// chain's factors [X1, X2] with the same masks are different questions (F_I
// vs the product set X1 X2); their digests differ by this tag, so a digest
// recorded for one never binds a certificate about the other.
std::string network_digest(const std::vector<Support>& layers) {
  return "sha256:" + sha256_hex("wellposed-network-v1" + supports_digest(layers));
}

std::string certificate_digest(const nlohmann::json& c) {
  const bool net = c.is_object() && c.contains("kind") && c["kind"] == "relu_network";
  if (net) return network_digest(certificate_supports(c));
  const auto& list = c.at(net ? "layers" : "factors");
  if (list.is_object() && list.contains("kronecker_chain")) {
    KChain chain;
    for (const auto& t : list.at("kronecker_chain")) {
      if (!t.is_array() || t.size() != 4) throw std::invalid_argument("a pattern is [a, b, c, d]");
      chain.push_back(KPattern{t[0].get<std::size_t>(), t[1].get<std::size_t>(), t[2].get<std::size_t>(),
                               t[3].get<std::size_t>()});
    }
    return architecture_digest(kronecker_chain_architecture(chain));  // checked sizes (algebra)
  }
  if (list.is_object() && list.contains("lu")) return architecture_digest(lu(list.at("lu").get<std::size_t>()));
  return supports_digest(certificate_supports(c));
}

}  // namespace wellposed

// ---- binding a saved result to its spec (issue 21 item 2) -------------------
namespace wellposed {

namespace {
/// What a result is about: the network's layers (input to output) for a
/// ReLU spec, the architecture's factors otherwise (a large family by its
/// parameters: binding.hpp).
std::string bound_digest(const Spec& spec) {
  return spec.network ? network_digest(spec.network->layers()) : architecture_digest(spec.architecture);
}

}  // namespace

/// Issue 21 item 2: what a result is about, recorded beside it.
nlohmann::json binding_record(const Spec& spec) {
  nlohmann::json b = {{"spec_file", spec.file},
                      {"json_path", spec.json_path},
                      {"supports_digest", bound_digest(spec)}};
  if (spec.family) b["family"] = spec.source;
  return b;
}


namespace {

struct Binding {
  bool ok = false;
  std::string account;        ///< what was bound, or the failed check
  std::optional<Spec> spec;   ///< the spec re-read (none: the certificate's own supports)
  bool by_digest = false;     ///< review: bound by the recorded digest only (no spec)
};

/// Issue 21 item 2. `item` is one result of a report; `report_dir` resolves
/// a relative spec path that is not found from the working folder.
Binding bind(const nlohmann::json& item, const nlohmann::json& certificate, const std::string& report_dir) {
  Binding b;
  const nlohmann::json* rec = item.contains("binding") && item["binding"].is_object() ? &item["binding"] : nullptr;
  auto str = [](const nlohmann::json* o, const char* k) {
    return o && o->contains(k) && (*o)[k].is_string() ? (*o)[k].get<std::string>() : std::string();
  };
  std::string file = str(rec, "spec_file");
  if (file.empty()) file = str(&item, "file");
  std::string path = str(rec, "json_path");
  if (path.empty()) path = str(&item, "json_path");
  if (path.empty()) path = "$";
  const std::string digest = str(rec, "supports_digest");
  std::string own_digest;
  try {
    own_digest = certificate_digest(certificate);
  } catch (const std::exception& e) {
    b.account = std::string("binding: the certificate's supports cannot be read (") + e.what() + ")";
    return b;
  }
  if (file.empty() && !rec) {
    b.ok = true;
    b.account = "not bound to a spec: the claim is about the certificate's own supports";
    return b;
  }
  std::string found;
  if (!file.empty()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) found = file;
    else if (std::filesystem::path(file).is_relative() &&
             std::filesystem::is_regular_file(std::filesystem::path(report_dir) / file, ec))
      found = (std::filesystem::path(report_dir) / file).string();
  }
  if (!found.empty()) {
    std::vector<Spec> specs;
    try {
      specs = load_specs(found);
    } catch (const SpecError& e) {
      throw UnreadableBoundSpec(std::string("the spec the report names cannot be read: ") + e.what());
    }
    const Spec* spec = nullptr;
    for (const auto& s : specs)
      if (s.json_path == path) spec = &s;
    if (!spec) {
      b.account = "binding failed: the spec file " + found + " has no spec at " + path;
      return b;
    }
    std::string spec_digest;
    try {
      spec_digest = bound_digest(*spec);
    } catch (const std::exception& e) {
      b.account = "binding failed: the supports of the spec " + found + " at " + path + " cannot be digested (" +
                  e.what() + ")";
      return b;
    }
    if (!digest.empty() && digest != spec_digest) {
      b.account = "binding failed: the recorded supports digest is not that of the spec " + found + " at " + path +
                  " (the spec changed, or the report was edited)";
      return b;
    }
    if (own_digest != spec_digest) {
      b.account = "binding failed: the certificate is about other supports than the spec " + found + " at " + path;
      return b;
    }
    b.ok = true;
    b.spec = *spec;
    b.account = "bound to the spec " + found + " at " + path + " (supports re-read and equal)";
    return b;
  }
  if (digest.empty()) {
    b.account = "binding failed: the spec " + (file.empty() ? std::string("(none named)") : file) +
                " is not available and the report records no supports digest";
    return b;
  }
  if (digest != own_digest) {
    b.account = "binding failed: the certificate's supports digest " + own_digest + " is not the recorded " + digest;
    return b;
  }
  b.ok = true;
  b.by_digest = true;
  b.account = "bound by the recorded supports digest (spec " + file + " not available)";
  return b;
}

}  // namespace

/// Binding, then the independent checker (every kind through
/// check_certificate, ReLU networks included).
CheckResult certify_result(const nlohmann::json& item, const Verdict& v, const std::string& report_dir) {
  return certify_result(item, v, report_dir, "");
}

CheckResult certify_result(const nlohmann::json& item, const Verdict& v, const std::string& report_dir,
                           const std::string& network_domain) {
  const Binding b = bind(item, v.certificate, report_dir);
  if (!b.ok) return {false, b.account};
  // review (forged certificates): a network's layers and a matrix chain's
  // factors with the same masks are different questions (their digests
  // differ: network_digest), so the kind of result must agree with the kind
  // of certificate: a network spec (or, without the spec, a result with a
  // "network" record) is checked as a network verdict for its domain
  // (check_network_verdict), anything else as a matrix chain's
  // (check_certificate refuses relu_network certificates).
  const NetworkDomain domain = network_domain == "finite_data"   ? NetworkDomain::finite_data
                               : network_domain == "bounded_box" ? NetworkDomain::bounded_box
                                                                 : NetworkDomain::both;
  const bool network_result = b.spec ? b.spec->network.has_value() : item.is_object() && item.contains("network");
  // (Not bound at all, a lone verdict speaks about its certificate's own
  // supports and kind: checked as before.)
  // With the spec re-read, the checker compares the certificate's supports
  // with the spec's itself (families on their parameters).
  const bool network_certificate = v.certificate.is_object() && v.certificate.contains("kind") &&
                                   v.certificate["kind"] == "relu_network";
  CheckResult r;
  if (network_result)
    r = check_network_verdict(v, b.spec ? b.spec->network->layers() : std::vector<Support>{}, domain);
  else if (network_certificate && (b.spec || b.by_digest))
    r = {false, "a relu_network certificate for a result that is not a network's proves nothing about it"};
  else
    r = b.spec ? check_certificate(b.spec->architecture, v) : check_certificate(v);
  return {r.ok, r.reason + " [" + b.account + "]"};
}


}  // namespace wellposed
