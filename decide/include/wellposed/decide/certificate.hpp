#pragma once
// Certificates: the JSON evidence every decided Verdict carries, and what the
// independent checker (checker.hpp) re-verifies. Indices are zero-based and in
// library orientation (A = X_1 X_2 ... X_L, left = I_1 is m x r, right = I_2 is
// r x n). Rationals are strings "p" or "p/q". A support is
// {"rows": m, "cols": n, "mask": ["0110", ...]} (readable, masks up to 1024
// entries) or {"rows": m, "cols": n, "bits": "<base64>"} (bit-packed: the m n
// bits row-major, most significant bit first, zero padded, standard base64 —
// Support::to_base64). "factors" is the list of the chain's supports the
// certificate speaks about, or, for a family, its parameters (issue 18 item 6:
// the checker re-derives shapes, counts and entries from them, checked):
//   {"kronecker_chain": [[a,b,c,d], ...]}   I_l = S_theta_l (Def 6.3.1)
//   {"lu": n}                               I_1 lower, I_2 upper triangular n x n
// The checker accepts every form (and the old "mask" form) for any kind.
//
// kind "lu_pattern" (not_closed; exactly two factors)
//   indices        {"i1","i2","j1","j2","k","l"}: the pattern (re-derived)
//   target         {"rows","cols","entries": [[i, j, "v"], ...]}   A
//   sequence       {"parameter": "t", "factors": [[[i, j, "c", e], ...], ...],
//                   "residual": [[i, j, "c", e], ...]}
//                  entry (i,j) of factor l is c t^e; claims
//                  X_1(t) ... X_L(t) - A = residual(t) identically, every
//                  residual exponent >= 1 (so the products converge to A).
//   non_membership {"equations": [{"entry": [i, j], "inner": k, "value": "v"}, ...]}
//                  each entry lies in S_inner only, value = A[i,j]; three of
//                  them read x_a y_b = 0, x_a y_c != 0, x_d y_b != 0.
//   landscape      optional, Thm 4.3.1's witnesses: {"spurious_valley":
//                  {"target", "optimum": {"factors", "loss"}, "valley_point":
//                  {"factors", "loss", "sigma"}}, "spurious_minimum": {"target",
//                  "optimum", "local_minimum"}}; factors as sequence terms with e = 0.
// kind "disjoint_rank_one" (closed; two factors)
//   classes        [{"indices": [k...], "rows": R_P, "cols": C_P}, ...]
// kind "cec_rectangular" (closed; two factors)
//   complete_classes  as classes above, each complete (|P| >= min(|R_P|,|C_P|))
//   rectangles     [{"k", "rows": R_k, "cols": C_k}] for every k outside T:
//                  S'_k = S_k \ S_T = R_k x C_k (empty lists: S'_k empty)
// kind "kronecker_chainable" (closed; L >= 2)
//   chain [[a,b,c,d], ...], q [q_1, ...], reduced_chain [[a,b,c,d], ...]
// kind "trivial" (closed)
//   family: "zero_factor" | "single_factor" | "vector_end" | "inner_one" | "full_supports"
// kind "reduced" (the inner verdict's closedness)
//   steps [{"factor": l, "into": "next"|"previous"}], inner: a certificate
//   about the chain obtained by absorbing those permutation-pattern factors
//   (detectors.hpp, absorb_permutation_factors: the product set is unchanged).
#include <string_view>

namespace wellposed::certificate_kind {
inline constexpr std::string_view lu_pattern = "lu_pattern";
inline constexpr std::string_view disjoint_rank_one = "disjoint_rank_one";
inline constexpr std::string_view cec_rectangular = "cec_rectangular";
inline constexpr std::string_view kronecker_chainable = "kronecker_chainable";
inline constexpr std::string_view trivial = "trivial";
inline constexpr std::string_view reduced = "reduced";
}  // namespace wellposed::certificate_kind
