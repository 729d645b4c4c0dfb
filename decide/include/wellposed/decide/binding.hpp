#pragma once
// Binding a result to what it is about (issue 21 item 2): a report records,
// per result, the digest of the supports its certificate speaks about, with
// the spec file and JSON path it came from. `certify` re-reads the spec where
// it can and requires the same supports; otherwise it requires the digest of
// the certificate's own supports to equal the recorded one. A valid
// certificate about other supports is then rejected instead of lending its
// proof to a verdict it does not prove.
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/verdict.hpp"
#include "wellposed/algebra/support.hpp"

namespace wellposed {

/// "sha256:<64 hex digits>" of the chain's supports in order: per factor its
/// rows, columns, number of entries and the (row, column) of every entry in
/// row-major order, as 64-bit little-endian integers, after the tag
/// "wellposed-supports-v1". Equal digests <=> equal supports (up to SHA-256
/// collisions); independent of how a spec spelled them (family, mask, npy).
std::string supports_digest(const std::vector<Support>& factors);

/// The supports a certificate itself speaks about: "layers" (input to
/// output) of a "relu_network" certificate, "factors" of any other kind, each
/// {"rows", "cols", "mask": ["01..", ...]}. Throws std::invalid_argument (or a
/// JSON error) on a malformed list.
std::vector<Support> certificate_supports(const nlohmann::json& certificate);

/// The digest of what an architecture's certificates speak about. Masks of at
/// most kDigestDenseBytes are digested entry by entry (supports_digest: any
/// spelling of the same supports gives the same digest); a larger family is
/// digested from its parameters ("wellposed-kchain-v1" + its patterns, with
/// identity patterns normalized to (n,1,1,1), or "wellposed-lu-v1" + n), as
/// its certificates carry them (issue 18 item 6: no mask is built).
inline constexpr std::size_t kDigestDenseBytes = std::size_t{1} << 22;
std::string architecture_digest(const Architecture& a);

/// The same digest computed from a certificate's own "factors" (explicit
/// masks, bit-packed masks, {"kronecker_chain": ...} or {"lu": n}) or a
/// relu_network certificate's "layers" (network_digest). Throws on a malformed list.
std::string certificate_digest(const nlohmann::json& certificate);

/// The digest of a ReLU network's layers (input to output): supports_digest
/// tagged "wellposed-network-v1", so it differs from the digest of a matrix
/// chain with the same masks (review: a network result and a chain result
/// must not bind each other's certificates).
std::string network_digest(const std::vector<Support>& layers);

/// The record `check` writes beside a result: {"spec_file", "json_path",
/// "supports_digest"} (+ "family"); the digest is of the network's layers for
/// a ReLU spec (network_digest), of the architecture otherwise (architecture_digest).
nlohmann::json binding_record(const Spec& spec);

/// The spec a report names exists but cannot be read (certify: bad input).
struct UnreadableBoundSpec : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// `certify`'s check of one saved result `item` with verdict `v`: first the
/// binding -- the spec the result names is re-read (as given, or relative to
/// `report_dir`) and the checker compares the certificate with it; without
/// the spec, the digest of the certificate's own supports must equal the
/// recorded one -- then the independent checker. A certificate about other
/// supports fails with "binding failed: ...".
CheckResult certify_result(const nlohmann::json& item, const Verdict& v, const std::string& report_dir);
/// review (forged certificates): the same for a network result's verdict about
/// `network_domain` ("finite_data" or "bounded_box"; the 3-argument form is
/// the overall verdict, both domains). A network spec's verdict is checked by
/// check_network_verdict (network.hpp): its question, its kind (relu_network)
/// and whether its theorem covers the domain.
CheckResult certify_result(const nlohmann::json& item, const Verdict& v, const std::string& report_dir,
                           const std::string& network_domain);

/// SHA-256 of `bytes` as 64 lowercase hex digits (FIPS 180-4).
std::string sha256_hex(const std::string& bytes);

}  // namespace wellposed
