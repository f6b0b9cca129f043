// A fixed set of worker threads, created with a context and used by its kernels through
// axle::Parallel. Invoke allocates nothing: a job is a function pointer, a context pointer and
// a range count, split evenly; the calling thread runs the first share.
#ifndef AXLE_RUNTIME_SRC_THREAD_POOL_H_
#define AXLE_RUNTIME_SRC_THREAD_POOL_H_

#include <pthread.h>

#include <cstdint>
#include <memory>

#include "kernels/common/parallel.h"
#include "runtime/src/status.h"

namespace axle {

class ThreadPool {
 public:
  static constexpr int kMaxThreads = 256;

  // threads counts the caller: threads - 1 workers are started. Fails with a status (never
  // aborts) when a thread cannot be created.
  static Status Create(int threads, std::unique_ptr<ThreadPool>* out);
  ~ThreadPool();

  const Parallel* parallel() const { return &parallel_; }

 private:
  ThreadPool() = default;
  static void ForRanges(const Parallel* self, int64_t n, void* ctx,
                        void (*fn)(void*, int64_t, int64_t));
  static void* WorkerMain(void* arg);
  void RunShare(int share);

  Parallel parallel_;
  int threads_ = 1;
  struct WorkerArg {
    ThreadPool* pool;
    int share;
  };
  std::unique_ptr<pthread_t[]> workers_;
  std::unique_ptr<WorkerArg[]> args_;
  int started_ = 0;
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake_ = PTHREAD_COND_INITIALIZER;
  pthread_cond_t done_ = PTHREAD_COND_INITIALIZER;
  // The current job, guarded by mutex_.
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  int64_t n_ = 0;
  void* ctx_ = nullptr;
  void (*fn_)(void*, int64_t, int64_t) = nullptr;
};

}  // namespace axle

#endif  // AXLE_RUNTIME_SRC_THREAD_POOL_H_
