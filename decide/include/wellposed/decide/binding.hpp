#pragma once
// Binding a result to what it is about (issue 21 item 2): a report records,
// per result, the digest of the supports its certificate speaks about, with
// the spec file and JSON path it came from. `certify` re-reads the spec where
// it can and requires the same supports; otherwise it requires the digest of
// the certificate's own supports to equal the recorded one. A valid
// certificate about other supports is then rejected instead of lending its
// proof to a verdict it does not prove.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

/// SHA-256 of `bytes` as 64 lowercase hex digits (FIPS 180-4).
std::string sha256_hex(const std::string& bytes);

}  // namespace wellposed
