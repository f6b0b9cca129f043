// oneDNN's matmul primitive as the benchmarks' baseline: y[m x n] = x[m x k] @ w[k x n], the
// weights reordered once (outside any timed loop) to the layout the primitive asks for with
// format `any`, as a deployment would keep them.
#ifndef AXLE_BENCH_KERNELS_ONEDNN_MATMUL_H_
#define AXLE_BENCH_KERNELS_ONEDNN_MATMUL_H_

#include <dnnl.hpp>
#include <string>

namespace axle::bench {

class OneDnnMatmul {
 public:
  using dt = dnnl::memory::data_type;
  OneDnnMatmul(int64_t m, int64_t k, int64_t n, dt src_type, dt weight_type, void* x, void* w,
               float* y, const dnnl::primitive_attr& attr = dnnl::primitive_attr())
      : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    using tag = dnnl::memory::format_tag;
    dnnl::memory::desc src_md({m, k}, src_type, tag::ab), dst_md({m, n}, dt::f32, tag::ab);
    dnnl::memory::desc any_w({k, n}, weight_type, tag::any);
    pd_ = dnnl::matmul::primitive_desc(dnnl::matmul::desc(src_md, any_w, dst_md), attr, engine_);
    src_ = dnnl::memory(src_md, engine_, x);
    dst_ = dnnl::memory(dst_md, engine_, y);
    dnnl::memory user_w({{k, n}, weight_type, tag::ab}, engine_, w);
    weights_ = dnnl::memory(pd_.weights_desc(), engine_);
    dnnl::reorder(user_w, weights_).execute(stream_, user_w, weights_);
    matmul_ = dnnl::matmul(pd_);
  }
  void Run() {
    matmul_.execute(stream_,
                    {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}});
    stream_.wait();
  }
  std::string Implementation() const { return pd_.impl_info_str(); }

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::matmul::primitive_desc pd_;
  dnnl::memory src_, dst_, weights_;
  dnnl::matmul matmul_;
};

}  // namespace axle::bench

#endif  // AXLE_BENCH_KERNELS_ONEDNN_MATMUL_H_
