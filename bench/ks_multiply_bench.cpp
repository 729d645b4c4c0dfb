// Kronecker-sparse multiply benchmark (issue 6; results in bench/RESULTS.md).
//
// CPU (f64, same run): wellposed::gpu::ks_multiply against Eigen's dense GEMM
// and Eigen's SparseMatrix<double, RowMajor> (CSR) with the same support, both
// batch layouts, and a streaming copy measured in the same run to turn times
// into a fraction of this machine's memory bandwidth.
// GPU (f32, batch_last, when --sweep=gpu|all and a device exists): the single
// kernel against cuBLAS dense GEMM and the permute + strided-batched GEMM
// ("bmm") method, batch sizes up to 25,088.
//
// Patterns: the square dyadic factors (2^{l-1}, 2, 2, 2^{N-l}) of n = 2^N,
// N = 10..14, for l = 1, ceil(N/2), N (d = n/2, middle, d = 1); the Monarch
// pair (1, p, p, n/p), (p, n/p, n/p, 1) with p = 2^{ceil(N/2)}; and 20 seeded
// (a, b, c, d) with 2^10 <= max(m, n) <= 2^14.
//
// Usage: ks_multiply_bench [--sweep=cpu|gpu|all] [--max_elems=LOG2] [--summary_time=cpu] [google benchmark flags]
// After the runs a summary (Markdown) is printed: times, ratios, GB/s, each
// the median over the repetitions; the recorded runs use
//   --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
// so that the repetitions of one case are spread over the whole run (load on
// a shared machine changes over minutes), and WELLPOSED_KS_ISA to compare
// instruction sets.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "wellposed/gpu.hpp"
#include "wellposed/gpu/detail/ks_device.hpp"  // the cuBLAS baselines and device timers (machinery)
#include "wellposed/gpu/detail/ks_cpu.hpp"  // unchecked kernels, fused chain, to_problem

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

using namespace wellposed;
using namespace wellposed::gpu;

struct Case {
  std::string group;
  KPattern p;
};

std::vector<Case> sweep_patterns() {
  std::vector<Case> out;
  for (std::size_t N = 10; N <= 14; ++N) {
    const std::size_t n = std::size_t(1) << N;
    for (std::size_t l : {std::size_t(1), (N + 1) / 2, N})
      out.push_back({"dyadic", {std::size_t(1) << (l - 1), 2, 2, std::size_t(1) << (N - l)}});
    const std::size_t p = std::size_t(1) << ((N + 1) / 2);
    out.push_back({"monarch", {1, p, p, n / p}});
    out.push_back({"monarch", {p, n / p, n / p, 1}});
  }
  std::mt19937_64 rng(6);
  std::uniform_int_distribution<std::size_t> bc(1, 48), dlog(0, 8), alog(0, 14);
  while (out.size() < 25 + 20) {
    const std::size_t b = bc(rng), c = bc(rng), d = std::size_t(1) << dlog(rng), a = std::size_t(1) << alog(rng);
    const std::size_t m = a * b * d, n = a * c * d, big = std::max(m, n);
    if (big < 1024 || big > 16384) continue;
    out.push_back({"random", {a, b, c, d}});
  }
  return out;
}

// ---- shared state: operands, caches, results ------------------------------
std::size_t g_max_elems = std::size_t(1) << 24;  // per operand, in elements
std::vector<double> g_x, g_y;
std::map<std::string, KsFactor<double>> g_factors;
std::map<std::string, Eigen::SparseMatrix<double, Eigen::RowMajor>> g_csr;
std::map<std::string, std::vector<double>> g_seconds;  // benchmark name -> seconds per iteration, per repetition
// --summary_time=cpu: the summary uses the process CPU time per iteration
// instead of wall time. Only meaningful with OMP_NUM_THREADS=1 (then it is
// the wall time minus the time the thread was descheduled: the robust figure
// on a machine shared with other jobs).
bool g_cpu_time = false;

void fill_operands() {
  g_x.resize(g_max_elems);
  g_y.resize(g_max_elems);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> dist(-1, 1);
  for (auto& v : g_x) v = dist(rng);
}

const KsFactor<double>& factor(const KPattern& p) {
  auto it = g_factors.find(p.to_string());
  if (it != g_factors.end()) return it->second;
  std::mt19937_64 rng(p.nnz());
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<double> v(p.nnz());
  for (auto& e : v) e = dist(rng);
  return g_factors.emplace(p.to_string(), KsFactor<double>(p, std::move(v))).first->second;
}

const Eigen::SparseMatrix<double, Eigen::RowMajor>& csr(const KPattern& p) {
  auto it = g_csr.find(p.to_string());
  if (it != g_csr.end()) return it->second;
  const auto& k = factor(p);
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(p.nnz());
  for (std::size_t al = 0; al < p.a; ++al)
    for (std::size_t de = 0; de < p.d; ++de)
      for (std::size_t be = 0; be < p.b; ++be)
        for (std::size_t ga = 0; ga < p.c; ++ga)
          t.emplace_back(int((al * p.b + be) * p.d + de), int((al * p.c + ga) * p.d + de), k.at(al, de, be, ga));
  Eigen::SparseMatrix<double, Eigen::RowMajor> s(int(p.rows()), int(p.cols()));
  s.setFromTriplets(t.begin(), t.end());
  s.makeCompressed();
  return g_csr.emplace(p.to_string(), std::move(s)).first->second;
}

std::string name(const std::string& method, BatchLayout l, const KPattern& p, std::size_t batch) {
  return method + "/" + to_string(l) + "/" + p.to_string() + "/B:" + std::to_string(batch);
}
std::string dense_name(std::size_t m, std::size_t n, std::size_t batch) {
  return "dense/" + std::to_string(m) + "x" + std::to_string(n) + "/B:" + std::to_string(batch);
}

// "name/real_time" and "name/manual_time" -> "name".
std::string strip(std::string n) {
  for (const char* suffix : {"/real_time", "/manual_time"}) {
    const std::size_t len = std::strlen(suffix);
    if (n.size() > len && n.compare(n.size() - len, len, suffix) == 0) n.resize(n.size() - len);
  }
  return n;
}

class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (!r.error_occurred && r.iterations > 0 && r.run_type == Run::RT_Iteration)
        g_seconds[strip(r.benchmark_name())].push_back(
            (g_cpu_time && r.run_name.function_name.rfind("gpu_", 0) != 0 ? r.cpu_accumulated_time
                                                                           : r.real_accumulated_time) /
            double(r.iterations));
    ConsoleReporter::ReportRuns(runs);
  }
};

// ---- CPU benchmarks ---------------------------------------------------------
void bm_copy(benchmark::State& state) {
  const std::ptrdiff_t n = std::ptrdiff_t(g_max_elems);
  double* dst = g_y.data();
  const double* src = g_x.data();
  for (auto _ : state) {
#if defined(_OPENMP)
#pragma omp parallel for schedule(static)
#endif
    for (std::ptrdiff_t i = 0; i < n; ++i) dst[i] = src[i];
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 16);
}

void bm_ks(benchmark::State& state, KPattern p, std::size_t batch, BatchLayout layout) {
  const auto& k = factor(p);
  const std::span<const double> x(g_x.data(), p.cols() * batch);
  const std::span<double> y(g_y.data(), p.rows() * batch);
  for (auto _ : state) {
    const KsStatus st = ks_multiply<double>(k, x, y, batch, layout);
    if (!st.ok()) state.SkipWithError(st.message.c_str());
    benchmark::ClobberMemory();
  }
}

void bm_csr(benchmark::State& state, KPattern p, std::size_t batch, BatchLayout layout) {
  const auto& s = csr(p);
  const auto n = Eigen::Index(p.cols()), m = Eigen::Index(p.rows()), B = Eigen::Index(batch);
  for (auto _ : state) {
    if (layout == BatchLayout::batch_first) {
      Eigen::Map<Eigen::MatrixXd> y(g_y.data(), m, B);
      y.noalias() = s * Eigen::Map<const Eigen::MatrixXd>(g_x.data(), n, B);
    } else {
      using RM = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
      Eigen::Map<RM> y(g_y.data(), m, B);
      y.noalias() = s * Eigen::Map<const RM>(g_x.data(), n, B);
    }
    benchmark::ClobberMemory();
  }
}

void bm_dense(benchmark::State& state, std::size_t m, std::size_t n, std::size_t batch) {
  const Eigen::MatrixXd a = Eigen::MatrixXd::Random(Eigen::Index(m), Eigen::Index(n));
  for (auto _ : state) {
    Eigen::Map<Eigen::MatrixXd> y(g_y.data(), Eigen::Index(m), Eigen::Index(batch));
    y.noalias() = a * Eigen::Map<const Eigen::MatrixXd>(g_x.data(), Eigen::Index(n), Eigen::Index(batch));
    benchmark::ClobberMemory();
  }
}

// ---- fused vs unfused chains (apply_chain, same run) -------------------------
struct ChainCase {
  std::string name;
  std::vector<KPattern> pats;  // X_1 ... X_N
};
std::vector<ChainCase> chain_cases() {
  std::vector<ChainCase> out;
  for (std::size_t N : {10, 12, 14}) {  // square dyadic butterfly chain of n = 2^N
    ChainCase c{"butterfly_2^" + std::to_string(N), {}};
    for (std::size_t l = 1; l <= N; ++l) c.pats.push_back({std::size_t(1) << (l - 1), 2, 2, std::size_t(1) << (N - l)});
    out.push_back(c);
  }
  for (std::size_t N : {10, 12}) {  // Monarch pair
    const std::size_t n = std::size_t(1) << N, p = std::size_t(1) << ((N + 1) / 2);
    out.push_back({"monarch_2^" + std::to_string(N), {{1, p, p, n / p}, {p, n / p, n / p, 1}}});
  }
  return out;
}
std::map<std::string, std::vector<KsFactor<double>>> g_chains;
const std::vector<KsFactor<double>>& chain_factors(const ChainCase& c) {
  auto it = g_chains.find(c.name);
  if (it != g_chains.end()) return it->second;
  std::vector<KsFactor<double>> f;
  for (const auto& p : c.pats) f.push_back(factor(p));
  return g_chains.emplace(c.name, std::move(f)).first->second;
}
// Unfused baseline: one ks_multiply per factor (X_N first) through two
// buffers owned by the benchmark, allocated once; chain_api_unfused is
// apply_chain(..., ChainFusion::unfused) itself (its per-thread workspace).
void bm_chain_kernels(benchmark::State& state, ChainCase c, std::size_t batch, BatchLayout layout) {
  const auto& chain = chain_factors(c);
  std::size_t widest = 0;
  for (const auto& p : c.pats) widest = std::max(widest, p.rows() * batch);
  std::vector<double> buf[2] = {std::vector<double>(widest), std::vector<double>(widest)};
  for (auto _ : state) {
    std::span<const double> cur(g_x.data(), c.pats.back().cols() * batch);
    for (std::size_t i = chain.size(); i-- > 0;) {
      const std::size_t rows = c.pats[i].rows() * batch;
      const std::span<double> out = i == 0 ? std::span<double>(g_y.data(), rows)
                                           : std::span<double>(buf[i % 2].data(), rows);
      const KsStatus st = ks_multiply<double>(chain[i], cur, out, batch, layout);
      if (!st.ok()) state.SkipWithError(st.message.c_str());
      cur = out;
    }
    benchmark::ClobberMemory();
  }
}
void bm_chain(benchmark::State& state, ChainCase c, std::size_t batch, BatchLayout layout, ChainFusion fusion) {
  const auto& chain = chain_factors(c);
  const std::size_t n = c.pats.back().cols(), m = c.pats.front().rows();
  const std::span<const double> x(g_x.data(), n * batch);
  const std::span<double> y(g_y.data(), m * batch);
  // One untimed call: apply_chain's per-thread workspace (unfused) is
  // allocated and faulted in once per process, not per call.
  (void)apply_chain<double>(chain, x, y, batch, layout, Op::none, Backend::cpu, fusion);
  for (auto _ : state) {
    const KsStatus st = apply_chain<double>(chain, x, y, batch, layout, Op::none, Backend::cpu, fusion);
    if (!st.ok()) state.SkipWithError(st.message.c_str());
    benchmark::ClobberMemory();
  }
}
std::string chain_name(const char* method, BatchLayout l, const ChainCase& c, std::size_t batch) {
  return std::string(method) + "/" + to_string(l) + "/" + c.name + "/B:" + std::to_string(batch);
}
const std::vector<std::size_t> kChainBatches = {16, 256, 4096};

const std::vector<std::size_t> kCpuBatches = {1, 16, 256, 4096};
const std::vector<std::size_t> kGpuBatches = {1, 16, 256, 4096, 25088};
// Dense GEMM only where it runs in about a second per call on 2 cores.
bool dense_feasible(std::size_t m, std::size_t n, std::size_t batch) {
  return std::max(m, n) <= 4096 && 2.0 * double(m) * double(n) * double(batch) <= std::ldexp(1.0, 35);
}
bool fits(const KPattern& p, std::size_t batch) { return std::max(p.rows(), p.cols()) * batch <= g_max_elems; }

void register_cpu(const std::vector<Case>& cases) {
  benchmark::RegisterBenchmark("stream_copy", bm_copy)->UseRealTime()->Unit(benchmark::kMillisecond);
  std::map<std::string, bool> dense_done;
  for (const auto& c : cases)
    for (std::size_t batch : kCpuBatches) {
      if (!fits(c.p, batch)) continue;
      for (BatchLayout l : {BatchLayout::batch_last, BatchLayout::batch_first}) {
        benchmark::RegisterBenchmark(name("ks", l, c.p, batch).c_str(), bm_ks, c.p, batch, l)
            ->UseRealTime()->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(name("csr", l, c.p, batch).c_str(), bm_csr, c.p, batch, l)
            ->UseRealTime()->Unit(benchmark::kMicrosecond);
      }
      const std::string dn = dense_name(c.p.rows(), c.p.cols(), batch);
      if (dense_feasible(c.p.rows(), c.p.cols(), batch) && !dense_done[dn]) {
        dense_done[dn] = true;
        benchmark::RegisterBenchmark(dn.c_str(), bm_dense, c.p.rows(), c.p.cols(), batch)
            ->UseRealTime()->Unit(benchmark::kMicrosecond);
      }
    }
  for (const auto& c : chain_cases())
    for (std::size_t batch : kChainBatches) {
      if (!fits(c.pats.front(), batch)) continue;
      for (BatchLayout l : {BatchLayout::batch_last, BatchLayout::batch_first}) {
        benchmark::RegisterBenchmark(chain_name("chain_fused", l, c, batch).c_str(), bm_chain, c, batch, l,
                                     ChainFusion::fused)->UseRealTime()->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(chain_name("chain_unfused", l, c, batch).c_str(), bm_chain_kernels, c, batch, l)
            ->UseRealTime()->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(chain_name("chain_api_unfused", l, c, batch).c_str(), bm_chain, c, batch, l,
                                     ChainFusion::unfused)->UseRealTime()->Unit(benchmark::kMicrosecond);
      }
    }
}

// ---- GPU benchmarks (f32, batch_last) --------------------------------------
struct GpuState {
  DeviceBuffer x, y, work, values, dense;
  std::size_t elems = 0;
};
std::unique_ptr<GpuState> g_gpu;

KsArguments gpu_args(const KPattern& p, std::size_t batch) {
  KsArguments a;
  a.pattern = p;
  a.layout = BatchLayout::batch_last;
  a.batch = batch;
  a.dtype = DType::f32;
  a.values = g_gpu->values.data();
  a.values_size = p.nnz();
  a.x = g_gpu->x.data();
  a.x_size = p.cols() * batch;
  a.y = g_gpu->y.data();
  a.y_size = p.rows() * batch;
  return a;
}

void run_timed(benchmark::State& state, const std::function<KsStatus()>& launch) {
  for (auto _ : state) {
    double ms = 0;
    const KsStatus st = time_device_ms(launch, 10, ms);
    if (!st.ok()) {
      state.SkipWithError(st.message.c_str());
      break;
    }
    state.SetIterationTime(ms / 1e3);
  }
}

void bm_gpu_ks(benchmark::State& state, KPattern p, std::size_t batch) {
  const KsArguments a = gpu_args(p, batch);
  run_timed(state, [&] { return ks_multiply_device(a); });
}
void bm_gpu_bmm(benchmark::State& state, KPattern p, std::size_t batch) {
  const KsArguments a = gpu_args(p, batch);
  run_timed(state, [&] { return bmm_device(a, g_gpu->work.data()); });
}
void bm_gpu_dense(benchmark::State& state, std::size_t m, std::size_t n, std::size_t batch) {
  run_timed(state, [&] { return dense_gemm_device(DType::f32, m, n, batch, g_gpu->dense.data(), g_gpu->x.data(), g_gpu->y.data()); });
}

bool register_gpu(const std::vector<Case>& cases) {
  if (cuda_device_count() == 0) {
    std::printf("GPU sweep requested but no CUDA device (%s build)\n", cuda_compiled() ? "CUDA" : "non-CUDA");
    return false;
  }
  g_gpu = std::make_unique<GpuState>();
  const std::size_t elems = std::size_t(16384) * 25088;  // largest operand of the sweep
  std::size_t max_nnz = 0;
  for (const auto& c : cases) max_nnz = std::max(max_nnz, c.p.nnz());
  std::vector<float> host(std::max(elems, max_nnz));
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (auto& v : host) v = dist(rng);
  for (auto* b : {&g_gpu->x, &g_gpu->y})
    if (!b->allocate(elems * 4).ok()) return false;
  if (!g_gpu->work.allocate(2 * elems * 4).ok() || !g_gpu->values.allocate(max_nnz * 4).ok() ||
      !g_gpu->dense.allocate(std::size_t(16384) * 16384 * 4).ok())
    return false;
  (void)g_gpu->x.upload(host.data(), elems * 4);
  (void)g_gpu->values.upload(host.data(), max_nnz * 4);
  (void)g_gpu->dense.upload(host.data(), std::min(host.size(), std::size_t(16384) * 16384) * 4);
  std::map<std::string, bool> dense_done;
  for (const auto& c : cases)
    for (std::size_t batch : kGpuBatches) {
      if (std::max(c.p.rows(), c.p.cols()) * batch > elems) continue;
      benchmark::RegisterBenchmark(name("gpu_ks", BatchLayout::batch_last, c.p, batch).c_str(), bm_gpu_ks, c.p, batch)
          ->UseManualTime()->Iterations(3)->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(name("gpu_bmm", BatchLayout::batch_last, c.p, batch).c_str(), bm_gpu_bmm, c.p, batch)
          ->UseManualTime()->Iterations(3)->Unit(benchmark::kMicrosecond);
      const std::string dn = "gpu_" + dense_name(c.p.rows(), c.p.cols(), batch);
      if (!dense_done[dn]) {
        dense_done[dn] = true;
        benchmark::RegisterBenchmark(dn.c_str(), bm_gpu_dense, c.p.rows(), c.p.cols(), batch)
            ->UseManualTime()->Iterations(3)->Unit(benchmark::kMicrosecond);
      }
    }
  return true;
}

// ---- summary ----------------------------------------------------------------
double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

/// Median over the repetitions (--benchmark_repetitions) of one benchmark.
double seconds(const std::string& n) {
  auto it = g_seconds.find(n);
  return it == g_seconds.end() ? NAN : median(it->second);
}

// Bytes a perfect kernel moves: X and Y once each, the values once.
double ideal_bytes(const KPattern& p, std::size_t batch) {
  return 8.0 * (double(p.cols() + p.rows()) * double(batch) + double(p.nnz()));
}
// Memory-bound: at most 1 flop per ideal byte (b c / (4 (b + c)) <= 1 for
// large B, i.e. blocks up to about 8 x 8); the bandwidth target is judged
// on those with >= 64 MiB moved (larger than any cache here).
bool memory_bound_large(const KPattern& p, std::size_t batch) {
  const double bytes = ideal_bytes(p, batch);
  return bytes >= 64.0 * (1 << 20) && 2.0 * double(p.nnz()) * double(batch) <= bytes;
}

void summarize_cpu(const std::vector<Case>& cases) {
  const double copy_s = seconds("stream_copy");
  const double stream_gbs = double(g_max_elems) * 16 / copy_s / 1e9;
  std::size_t reps = 0;
  for (const auto& [k, v] : g_seconds) reps = std::max(reps, v.size());
  std::printf("\n## Summary (CPU, f64, kernels: %s, median of %zu repetitions, %s time)\n\n"
              "streaming copy: %.2f GB/s (read + write, %zu MiB per array)\n\n",
              to_string(cpu_isa()).c_str(), reps, g_cpu_time ? "CPU" : "wall", stream_gbs, g_max_elems * 8 >> 20);
  std::printf("| group | pattern | m x n | B | layout | ks us | ks GB/s | %% stream | GFLOP/s | csr/ks | dense/ks |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  struct Agg {
    std::vector<double> csr, dense;
  };
  std::map<std::string, Agg> by_group;  // "group B layout"
  std::vector<double> all_csr, large_frac;
  double worst_csr = INFINITY;
  std::string worst_name;
  std::map<std::string, std::pair<double, std::string>> min_csr_per_pattern;
  std::size_t ncases = 0, ge3 = 0;
  for (const auto& c : cases)
    for (std::size_t batch : kCpuBatches) {
      if (!fits(c.p, batch)) continue;
      for (BatchLayout l : {BatchLayout::batch_last, BatchLayout::batch_first}) {
        const double t = seconds(name("ks", l, c.p, batch)), tc = seconds(name("csr", l, c.p, batch));
        if (std::isnan(t) || std::isnan(tc)) continue;
        const double td = seconds(dense_name(c.p.rows(), c.p.cols(), batch));
        const double bytes = ideal_bytes(c.p, batch);
        const double gbs = bytes / t / 1e9, frac = gbs / stream_gbs;
        const double gflops = 2.0 * double(c.p.nnz()) * double(batch) / t / 1e9;
        std::printf("| %s | %s | %zux%zu | %zu | %s | %.1f | %.2f | %.0f%% | %.2f | %.2f | %s |\n", c.group.c_str(),
                    c.p.to_string().c_str(), c.p.rows(), c.p.cols(), batch, to_string(l).c_str(), t * 1e6, gbs,
                    100 * frac, gflops, tc / t, std::isnan(td) ? "skipped" : std::to_string(td / t).substr(0, 6).c_str());
        ++ncases;
        ge3 += tc / t >= 3.0;
        all_csr.push_back(tc / t);
        auto& g = by_group[c.group + " | " + std::to_string(batch) + " | " + to_string(l)];
        g.csr.push_back(tc / t);
        if (!std::isnan(td)) g.dense.push_back(td / t);
        const std::string where = "B " + std::to_string(batch) + " " + to_string(l);
        auto [it, fresh] = min_csr_per_pattern.try_emplace(c.group + " " + c.p.to_string(), tc / t, where);
        if (!fresh && tc / t < it->second.first) it->second = {tc / t, where};
        if (tc / t < worst_csr) worst_csr = tc / t, worst_name = name("ks", l, c.p, batch);
        if (memory_bound_large(c.p, batch)) large_frac.push_back(frac);
      }
    }
  std::printf("\n| group | B | layout | median csr/ks | min csr/ks | median dense/ks |\n|---|---|---|---|---|---|\n");
  for (const auto& [k, g] : by_group) {
    char dn[32] = "-";
    if (!g.dense.empty()) std::snprintf(dn, sizeof dn, "%.1f", median(g.dense));
    std::printf("| %s | %.2f | %.2f | %s |\n", k.c_str(), median(g.csr), *std::min_element(g.csr.begin(), g.csr.end()), dn);
  }
  std::size_t below3 = 0;
  for (const auto& [k, v] : min_csr_per_pattern) below3 += v.first < 3.0;
  std::printf("\ncsr/ks over %zu cases: median %.2f, min %.2f (%s); cases >= 3: %zu\n", ncases, median(all_csr), worst_csr,
              worst_name.c_str(), ge3);
  std::printf("patterns whose min csr/ks over (B, layout) is >= 3: %zu of %zu\n", min_csr_per_pattern.size() - below3,
              min_csr_per_pattern.size());
  if (!large_frac.empty()) {
    std::size_t half = 0;
    for (double f : large_frac) half += f >= 0.5;
    std::printf("large memory-bound cases (>= 64 MiB, <= 1 flop/byte): %zu, fraction of streaming bandwidth: median %.0f%%, "
                "min %.0f%%, max %.0f%%; >= 50%%: %zu\n",
                large_frac.size(), 100 * median(large_frac), 100 * *std::min_element(large_frac.begin(), large_frac.end()),
                100 * *std::max_element(large_frac.begin(), large_frac.end()), half);
  }
  std::printf("\nper pattern, min csr/ks over batches and layouts (where):\n");
  for (const auto& [k, v] : min_csr_per_pattern) std::printf("  %-26s %6.2f  (%s)\n", k.c_str(), v.first, v.second.c_str());
  // Per pattern: the minimum over B >= 2 (both layouts) and the B = 1 figure
  // (batch_first: Eigen's SpMV), the target read per batch regime.
  std::printf("\n| group | pattern | min csr/ks, B >= 2 | where | csr/ks B = 1 (SpMV) |\n|---|---|---|---|---|\n");
  std::size_t ge3_b2 = 0, ge3_b1 = 0, npat = 0;
  for (const auto& c : cases) {
    double mn = INFINITY, b1 = NAN;
    std::string where;
    for (std::size_t batch : kCpuBatches) {
      if (!fits(c.p, batch)) continue;
      for (BatchLayout l : {BatchLayout::batch_last, BatchLayout::batch_first}) {
        const double r = seconds(name("csr", l, c.p, batch)) / seconds(name("ks", l, c.p, batch));
        if (std::isnan(r)) continue;
        if (batch == 1 && l == BatchLayout::batch_first) b1 = r;
        if (batch >= 2 && r < mn) mn = r, where = "B " + std::to_string(batch) + " " + to_string(l);
      }
    }
    if (std::isinf(mn) && std::isnan(b1)) continue;
    ++npat;
    ge3_b2 += mn >= 3.0;
    ge3_b1 += b1 >= 3.0;
    std::printf("| %s | %s | %.2f | %s | %.2f |\n", c.group.c_str(), c.p.to_string().c_str(), mn, where.c_str(), b1);
  }
  std::printf("\npatterns with csr/ks >= 3 at every B >= 2 (both layouts): %zu of %zu; at B = 1 (SpMV): %zu of %zu\n",
              ge3_b2, npat, ge3_b1, npat);
  // Fused vs unfused chains.
  std::printf("\n| chain | factors | B | layout | unfused us | fused us | unfused/fused | apply_chain unfused us | automatic picks |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  std::vector<double> gains;
  for (const auto& c : chain_cases())
    for (std::size_t batch : kChainBatches)
      for (BatchLayout l : {BatchLayout::batch_last, BatchLayout::batch_first}) {
        const double tu = seconds(chain_name("chain_unfused", l, c, batch)),
                     tf = seconds(chain_name("chain_fused", l, c, batch));
        if (std::isnan(tu) || std::isnan(tf)) continue;
        std::vector<KsProblem> steps;
        for (std::size_t i = c.pats.size(); i-- > 0;) {
          KsProblem p;
          p.k = KsShape{index_t(c.pats[i].a), index_t(c.pats[i].b), index_t(c.pats[i].c), index_t(c.pats[i].d)};
          p.layout = l;
          steps.push_back(p);
        }
        const std::size_t tile = fused_chain_tile<double>(steps, batch, l, ChainFusion::automatic);
        gains.push_back(tu / tf);
        std::printf("| %s | %zu | %zu | %s | %.1f | %.1f | %.2f | %.1f | %s |\n", c.name.c_str(), c.pats.size(), batch,
                    to_string(l).c_str(), tu * 1e6, tf * 1e6, tu / tf,
                    1e6 * seconds(chain_name("chain_api_unfused", l, c, batch)),
                    tile ? ("fused (tile " + std::to_string(tile) + ")").c_str() : "unfused");
      }
  if (!gains.empty())
    std::printf("\nunfused/fused over %zu chain cases: median %.2f, min %.2f, max %.2f\n", gains.size(), median(gains),
                *std::min_element(gains.begin(), gains.end()), *std::max_element(gains.begin(), gains.end()));
}

void summarize_gpu(const std::vector<Case>& cases) {
  std::printf("\n## Summary (GPU, f32, batch_last)\n\n| B | patterns | median bmm/ks | min bmm/ks | median dense/ks |\n|---|---|---|---|---|\n");
  for (std::size_t batch : kGpuBatches) {
    std::vector<double> over_bmm, over_dense;
    for (const auto& c : cases) {
      const double t = seconds(name("gpu_ks", BatchLayout::batch_last, c.p, batch));
      if (std::isnan(t)) continue;
      over_bmm.push_back(seconds(name("gpu_bmm", BatchLayout::batch_last, c.p, batch)) / t);
      over_dense.push_back(seconds("gpu_" + dense_name(c.p.rows(), c.p.cols(), batch)) / t);
    }
    if (over_bmm.empty()) continue;
    std::printf("| %zu | %zu | %.2f | %.2f | %.2f |\n", batch, over_bmm.size(), median(over_bmm),
                *std::min_element(over_bmm.begin(), over_bmm.end()), median(over_dense));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string sweep = "cpu";
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--sweep=", 8) == 0) sweep = argv[i] + 8;
    else if (std::strncmp(argv[i], "--max_elems=", 12) == 0) g_max_elems = std::size_t(1) << std::atoi(argv[i] + 12);
    else if (std::strcmp(argv[i], "--summary_time=cpu") == 0) g_cpu_time = true;
    else args.push_back(argv[i]);
  }
  int nargs = int(args.size());
  benchmark::Initialize(&nargs, args.data());
  const auto cases = sweep_patterns();
  const bool cpu = sweep == "cpu" || sweep == "all";
  bool gpu = sweep == "gpu" || sweep == "all";
  if (cpu) {
    fill_operands();
    register_cpu(cases);
  }
  if (gpu) gpu = register_gpu(cases);
#if defined(_OPENMP)
  std::printf("OpenMP threads: %d\n", omp_get_max_threads());
#endif
  Collector reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (cpu) summarize_cpu(cases);
  if (gpu) summarize_gpu(cases);
  benchmark::Shutdown();
  return 0;
}
