// A fixed set of worker threads, created with a context and used by its kernels through
// axle::Parallel. Invoke allocates nothing: a job is a function pointer, a context pointer and
// a range count, split evenly; the calling thread runs the first share. Between invokes, workers
// spin briefly (about 0.2 ms) for the next job before sleeping on a condition variable. Inside
// an invoke (Hold), they never sleep: waking a sleeping thread costs 30-80 us on a VM, and a
// worker that finished its share of an unevenly split step 0.2 ms early used to pay it on the
// next step (a LayerNorm after a big GEMM took 3x its time). Hold(true) also wakes sleepers, so
// they are spinning by the time the first parallel step comes.
#ifndef AXLE_RUNTIME_SRC_THREAD_POOL_H_
#define AXLE_RUNTIME_SRC_THREAD_POOL_H_

#include <pthread.h>

#include <atomic>
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

  // Inside an invoke: keeps the workers spinning between jobs (true) or lets them sleep (false).
  void Hold(bool hold);

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
  int sleepers_ = 0;  // workers waiting on wake_, guarded by mutex_
  // The current job: its fields are written before generation_ is bumped (release) and read
  // after it is seen (acquire); pending_ counts the worker shares not yet done.
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> hold_{false};
  int64_t n_ = 0;
  void* ctx_ = nullptr;
  void (*fn_)(void*, int64_t, int64_t) = nullptr;
};

}  // namespace axle

#endif  // AXLE_RUNTIME_SRC_THREAD_POOL_H_
