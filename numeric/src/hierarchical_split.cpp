// Classes of a q-chainable pair (Lemma 6.4.1) and the gathered split
// (Algorithm 5: one truncated SVD per class).
#include "hierarchical_internal.hpp"

#include "wellposed/numeric/residual.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <tuple>

#ifdef __linux__
#include <sys/mman.h>
#endif
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <stdexcept>
#include <type_traits>

#include <Eigen/Core>
#include <Eigen/QR>


namespace wellposed::numeric::hier {

ClassList enumerate_classes(const KPattern& L, const KPattern& R, std::size_t q) {
  ClassList cl;
  cl.L = L;
  cl.R = R;
  cl.q = q;
  const std::size_t r = L.a * L.c * L.d;
  std::vector<std::pair<std::size_t, std::size_t>> keyed(r);
  for (std::size_t k = 0; k < r; ++k) {
    const std::size_t a1 = k / (L.c * L.d), d1 = k % L.d, a2 = k / (R.b * R.d), d2 = k % R.d;
    keyed[k] = {((a1 * R.a + a2) * R.d + d2) * L.d + d1, k};  // delta1 innermost: see run_split
  }
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t u = 0; u < r;) {
    std::size_t v = u;
    while (v < r && keyed[v].first == keyed[u].first) ++v;
    if (v - u != q) {
      std::ostringstream os;
      os << "internal error: class of size " << v - u << " != q = " << q << " for the pair " << L.to_string() << ", "
         << R.to_string() << " (Lemma 6.4.1)";
      throw std::logic_error(os.str());
    }
    const std::size_t k = keyed[u].second;
    cl.key.push_back({k / (L.c * L.d), k % L.d, k / (R.b * R.d), k % R.d});
    for (std::size_t w = u; w < v; ++w) cl.inner.push_back(keyed[w].second);
    u = v;
  }
  cl.count = cl.key.size();
  return cl;
}


template <class S>
SplitOutput run_split(const SourceT<S>& src, const KPattern& L, const KPattern& R, std::size_t q, detail::Balance balance,
                      bool certify, BasicKFactor<S>* outL, BasicKFactor<S>* outR, bool stream,
                      bool partial) {
  constexpr bool real = std::is_same_v<S, double>;  // complex blocks: Jacobi SVD path only
  if constexpr (real)
    if (stream && outL)
      if (const auto sl = stream_layout(src, L, R, q)) return stream_split(*sl, balance, certify, *outL, *outR);
  const ClassList cl = enumerate_classes(L, R, q);
  const std::size_t b1 = L.b, c2 = R.c, blk = b1 * c2;
  const bool fast = real && b1 == 2 && q == 1 && balance != detail::Balance::right_orthonormal;
  // Large tall / wide blocks: Gram matrix of the small side + small eigen-solve
  // (cost b1 c2 min(b1, c2) instead of a Jacobi SVD); small blocks keep the
  // Jacobi SVD (accuracy u kappa instead of u kappa^2 on exact products).
  // Blocks whose small side exceeds 32 always take the Gram path: Eigen's
  // two-sided Jacobi SVD of a k x k block costs many sweeps of O(k^3) (measured
  // about 4 ms per 64 x 64 block against 0.4 ms for Gram + eigen-solve +
  // certificate), which made the first split of the balanced order (64 x 64
  // rank-1 blocks at n = 4096) cost thousands of passes over A (issue 5). The
  // certified quantities (residual from the stored doubles,
  // certified_tail_from_gram) do not depend on which path is taken.
  const std::size_t small = std::min(b1, c2), large = std::max(b1, c2);
  const bool gram = real && !fast && (small > 32 || ((large >= 8 * small && blk >= 256) || cl.count * blk >= (std::size_t{1} << 20)));
  const std::size_t T = std::clamp<std::size_t>((std::size_t{1} << 16) / std::max<std::size_t>(blk, 1), 1, 4);
  std::vector<std::size_t> tile_begin;
  for (std::size_t c = 0; c < cl.count;) {
    tile_begin.push_back(c);
    std::size_t e = c + 1;
    while (e < cl.count && e - c < T && cl.key[e][2] == cl.key[c][2] && cl.key[e][3] == cl.key[c][3]) ++e;
    c = e;
  }
  tile_begin.push_back(cl.count);
  const auto tiles = static_cast<std::ptrdiff_t>(tile_begin.size()) - 1;
  SplitOutput total;
  // A parallel region costs a wake-up of the other thread (milliseconds when
  // the cores are shared): only for splits with real work.
  const bool par = cl.count * blk >= (std::size_t{1} << 18);
#pragma omp parallel if (par)
  {
    SplitOutput local;
    std::vector<S> buf(T * blk);
    std::vector<double> kbuf(c2), scratch(c2);
    std::vector<std::size_t> rp(T * b1), cp(c2), rcol(c2);
    std::size_t have_a2 = std::numeric_limits<std::size_t>::max(), have_d2 = have_a2;
    MatrixT<S> B(static_cast<Eigen::Index>(b1), static_cast<Eigen::Index>(c2)), H, K;
    detail::GramWorkspace ws;
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t ti = 0; ti < tiles; ++ti) {
      const std::size_t c0 = tile_begin[static_cast<std::size_t>(ti)], nt = tile_begin[static_cast<std::size_t>(ti) + 1] - c0;
      if (cl.key[c0][2] != have_a2 || cl.key[c0][3] != have_d2) {
        for (std::size_t ga = 0; ga < c2; ++ga) {
          const std::size_t j = cl.col(c0, ga);
          cp[ga] = src.col(j);
          if (outR) rcol[ga] = col_part(R, j);
        }
        have_a2 = cl.key[c0][2];
        have_d2 = cl.key[c0][3];
      }
      for (std::size_t t = 0; t < nt; ++t)
        for (std::size_t be = 0; be < b1; ++be) rp[t * b1 + be] = src.row(cl.row(c0 + t, be));
      const std::size_t nr = nt * b1;
      for (std::size_t ga = 0; ga < c2; ++ga) {
        const S* col = src.data + cp[ga];
        for (std::size_t u = 0; u < nr; ++u) buf[u * c2 + ga] = col[rp[u]];
      }
      for (std::size_t t = 0; t < nt; ++t) {
        const std::size_t c = c0 + t;
        const S* bp = buf.data() + t * blk;
        Interval tail;
        // Writes the class's H (b1 x q) and K (q x c2) into the two factors.
        const auto store = [&](const auto& Hs, const auto& Ks) {
          if (outL)
            for (std::size_t u = 0; u < q; ++u) {
              const std::size_t k = cl.inner[c * q + u];
              const std::size_t lc = col_part(L, k), rb = row_part(R, k);
              for (std::size_t be = 0; be < b1; ++be)
                outL->values[row_part(L, cl.row(c, be)) + lc] = Hs(static_cast<Eigen::Index>(be), static_cast<Eigen::Index>(u));
              for (std::size_t ga = 0; ga < c2; ++ga)
                outR->values[rb + rcol[ga]] = Ks(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(ga));
            }
        };
        bool done = false;
        if constexpr (real) {
          if (fast) {
          double h[2];
          detail::two_row_rank_one(bp, bp + c2, c2, balance, h, kbuf.data(), scratch.data(), local.acc,
                                   certify ? &tail : nullptr);
          if (outL) {
            const std::size_t k = cl.inner[c];
            const std::size_t lc = col_part(L, k), rb = row_part(R, k);
            for (std::size_t be = 0; be < 2; ++be) outL->values[row_part(L, cl.row(c, be)) + lc] = h[be];
            double* dst = outR->values.data() + rb;
            for (std::size_t ga = 0; ga < c2; ++ga) dst[rcol[ga]] = kbuf[ga];
          }
          done = true;
          } else if (gram) {
            detail::gram_truncated_block(bp, b1, c2, q, balance, ws, local.acc, certify ? &tail : nullptr, partial);
            store(ws.H, ws.K);
            done = true;
          }
        }
        if (!done) {
          B = Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
              bp, static_cast<Eigen::Index>(b1), static_cast<Eigen::Index>(c2));
          detail::truncated_block(B, q, balance, H, K, local.acc, certify ? &tail : nullptr);
          store(H, K);
        }
        if (certify) local.tail = local.tail + tail;
      }
    }
#pragma omp critical
    {
      total.acc.merge(local.acc);
      total.tail = total.tail + local.tail;
    }
  }
  return total;
}

template SplitOutput run_split<double>(const SourceT<double>&, const KPattern&, const KPattern&, std::size_t, detail::Balance,
                                  bool, BasicKFactor<double>*, BasicKFactor<double>*, bool, bool);
template SplitOutput run_split<Complex>(const SourceT<Complex>&, const KPattern&, const KPattern&, std::size_t, detail::Balance,
                                  bool, BasicKFactor<Complex>*, BasicKFactor<Complex>*, bool, bool);

}  // namespace wellposed::numeric::hier
