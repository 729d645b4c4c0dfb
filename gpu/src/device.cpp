// Host side of the device entry points: argument checks, then the private
// bridge into gpu/cuda/*.cu; without CUDA every entry point reports
// Code::not_compiled (an outcome, not an exception).
#include <sstream>
#include <string>

#include "wellposed/gpu/config.hpp"
#include "wellposed/gpu/detail/ks_device.hpp"
#include "wellposed/gpu/detail/ks_cpu.hpp"  // unchecked kernels, fused chain, to_problem

#if WELLPOSED_HAS_CUDA
#include "../cuda/cuda_bridge.hpp"
#endif

namespace wellposed::gpu {

KsTile ks_device_tile(const KsProblem& p) { return ks_choose_tile(p); }

#if WELLPOSED_HAS_CUDA

int cuda_device_count() { return bridge::device_count(); }

namespace {
KsStatus from_code(int code, const char* what) {
  if (code == 0) return {};
  std::ostringstream os;
  os << what << ": " << bridge::error_string(code) << " (code " << code << ")";
  return KsStatus{KsStatus::Code::cuda_error, os.str()};
}
int dtype_code(DType t) { return static_cast<int>(t); }
}  // namespace

KsStatus ks_multiply_device(const KsArguments& args, void* stream) {
  KsStatus st = can_implement(args, Backend::cuda);
  if (!st.ok()) return st;
  if (args.batch == 0) return {};
  return from_code(bridge::launch_ks(dtype_code(args.dtype), to_problem(args), args.values, args.x, args.y, stream),
                   "ks_multiply_device");
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) bridge::dev_free(ptr_);
}
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) bridge::dev_free(ptr_);
    ptr_ = o.ptr_, bytes_ = o.bytes_;
    o.ptr_ = nullptr, o.bytes_ = 0;
  }
  return *this;
}
KsStatus DeviceBuffer::allocate(std::size_t bytes) {
  if (ptr_) bridge::dev_free(ptr_);
  ptr_ = nullptr, bytes_ = 0;
  if (bytes == 0) return {};
  if (cuda_device_count() == 0) return KsStatus{KsStatus::Code::no_device, "DeviceBuffer: no CUDA device"};
  KsStatus st = from_code(bridge::dev_malloc(&ptr_, bytes), "DeviceBuffer::allocate");
  if (st.ok()) bytes_ = bytes;
  return st;
}
KsStatus DeviceBuffer::upload(const void* host, std::size_t bytes) {
  if (bytes > bytes_) return KsStatus{KsStatus::Code::invalid_argument, "DeviceBuffer::upload: more bytes than allocated"};
  return bytes ? from_code(bridge::copy_to_device(ptr_, host, bytes), "DeviceBuffer::upload") : KsStatus{};
}
KsStatus DeviceBuffer::download(void* host, std::size_t bytes) const {
  if (bytes > bytes_) return KsStatus{KsStatus::Code::invalid_argument, "DeviceBuffer::download: more bytes than allocated"};
  return bytes ? from_code(bridge::copy_to_host(host, ptr_, bytes), "DeviceBuffer::download") : KsStatus{};
}

KsStatus device_synchronize() { return from_code(bridge::synchronize(), "device_synchronize"); }

namespace {
struct TimedCall {
  const std::function<KsStatus()>* launch;
  KsStatus status;
};
int call_timed(void* ctx) {
  auto* t = static_cast<TimedCall*>(ctx);
  t->status = (*t->launch)();
  return t->status.ok() ? 0 : -1;
}
}  // namespace

KsStatus time_device_ms(const std::function<KsStatus()>& launch, int reps, double& median_ms) {
  TimedCall t{&launch, {}};
  const int code = bridge::time_ms(&call_timed, &t, reps, &median_ms);
  if (!t.status.ok()) return t.status;
  return from_code(code, "time_device_ms");
}

KsStatus dense_gemm_device(DType dtype, std::size_t m, std::size_t n, std::size_t batch, const void* a_rowmajor,
                           const void* x, void* y) {
  if (dtype != DType::f32 && dtype != DType::f64)
    return KsStatus{KsStatus::Code::unsupported, "dense_gemm_device: f32 and f64 only, not " + to_string(dtype)};
  if (cuda_device_count() == 0) return KsStatus{KsStatus::Code::no_device, "dense_gemm_device: no CUDA device"};
  return from_code(bridge::dense_gemm(dtype_code(dtype), m, n, batch, a_rowmajor, x, y), "dense_gemm_device");
}

KsStatus bmm_device(const KsArguments& args, void* workspace) {
  KsStatus st = can_implement(args, Backend::cuda);
  if (!st.ok()) return st;
  if (args.op != Op::none || args.layout != BatchLayout::batch_last ||
      (args.dtype != DType::f32 && args.dtype != DType::f64))
    return KsStatus{KsStatus::Code::unsupported, "bmm_device: op none, batch_last, f32/f64 only"};
  return from_code(bridge::bmm(dtype_code(args.dtype), to_problem(args), args.values, args.x, args.y, workspace),
                   "bmm_device");
}

#else  // no CUDA in this build

int cuda_device_count() { return 0; }

namespace {
KsStatus not_compiled(const char* what) {
  return KsStatus{KsStatus::Code::not_compiled, std::string(what) + ": this build has no CUDA kernels"};
}
}  // namespace

KsStatus ks_multiply_device(const KsArguments& args, void*) {
  KsStatus st = can_implement(args, Backend::cuda);
  return st.ok() ? not_compiled("ks_multiply_device") : st;
}
DeviceBuffer::~DeviceBuffer() = default;
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  ptr_ = o.ptr_, bytes_ = o.bytes_;
  o.ptr_ = nullptr, o.bytes_ = 0;
  return *this;
}
KsStatus DeviceBuffer::allocate(std::size_t) { return not_compiled("DeviceBuffer::allocate"); }
KsStatus DeviceBuffer::upload(const void*, std::size_t) { return not_compiled("DeviceBuffer::upload"); }
KsStatus DeviceBuffer::download(void*, std::size_t) const { return not_compiled("DeviceBuffer::download"); }
KsStatus device_synchronize() { return not_compiled("device_synchronize"); }
KsStatus time_device_ms(const std::function<KsStatus()>&, int, double& median_ms) {
  median_ms = 0;
  return not_compiled("time_device_ms");
}
KsStatus dense_gemm_device(DType, std::size_t, std::size_t, std::size_t, const void*, const void*, void*) {
  return not_compiled("dense_gemm_device");
}
KsStatus bmm_device(const KsArguments&, void*) { return not_compiled("bmm_device"); }

#endif

}  // namespace wellposed::gpu
