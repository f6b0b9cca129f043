// A fixed set of worker threads, created with a context and used by its kernels through
// axle::Parallel. Built to share its cores (a planner on a vehicle runs beside perception,
// logging and middleware) without losing the idle speed:
//   - Work is claimed, not assigned: a job's range is cut into chunks (a few per thread) that
//     the caller and the workers take from one atomic counter. A worker that is descheduled
//     before it claims anything costs nothing: the others take its chunks. The caller waits
//     only for chunks already claimed.
//   - A waiting thread (a worker between jobs, the caller waiting for claimed chunks) spins for
//     at most the spin budget, yields while the budget lasts a second time, then sleeps on a
//     condition variable. It stops spinning at once when it sees it was preempted (a gap in its
//     own clock), because then the cores are shared and a spinning thread steals time from the
//     thread it waits for. A budget of 0 sleeps at once.
//   - Optional CPU affinity: worker i is pinned to cpus[i % n], the invoking thread to cpus[0].
// Invoke allocates nothing: a job is a function pointer, a context pointer and a range count.
#ifndef AXLE_RUNTIME_SRC_THREAD_POOL_H_
#define AXLE_RUNTIME_SRC_THREAD_POOL_H_

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "axle/axle.h"
#include "kernels/common/parallel.h"
#include "runtime/src/status.h"

namespace axle {

struct ThreadPoolOptions {
  int threads = 1;  // counting the caller
  const int32_t* cpus = nullptr;
  uint32_t num_cpus = 0;  // 0: no pinning
  // How long a waiting thread stays awake before sleeping; 0: sleeps at once.
  int64_t spin_ns = int64_t{AXLE_DEFAULT_SPIN_MICROSECONDS} * 1000;
};

class ThreadPool {
 public:
  static constexpr int kMaxThreads = 256;
  static constexpr int kMaxCpus = 1024;
  // Chunks per thread a job is cut into (when it has that many ranges): enough that a late
  // thread's share is taken by the others, few enough that claiming costs nothing.
  static constexpr int64_t kChunksPerThread = 8;

  // Starts options.threads - 1 workers. Fails with a status (never aborts) when a thread
  // cannot be created or a CPU in options.cpus does not exist or is not available to the
  // process.
  static Status Create(const ThreadPoolOptions& options, std::unique_ptr<ThreadPool>* out);
  // `threads` threads with the default spin, unpinned.
  static Status Create(int threads, std::unique_ptr<ThreadPool>* out) {
    ThreadPoolOptions options;
    options.threads = threads;
    return Create(options, out);
  }
  ~ThreadPool();

  const Parallel* parallel() const { return &parallel_; }

  // Called at the start of every invoke: pins the calling thread (when cpus were given and it
  // is not pinned yet) and wakes sleeping workers so that they are up by the first parallel
  // step. Fails only when the calling thread cannot be pinned.
  Status BeginInvoke();

 private:
  ThreadPool() = default;
  static void ForRanges(const Parallel* self, int64_t n, void* ctx,
                        void (*fn)(void*, int64_t, int64_t));
  static void* WorkerMain(void* arg);
  // Claims and runs chunks of job `generation` until none is left; returns how many it ran.
  int RunChunks(uint32_t generation);
  // Waits until `ready()` holds: spins up to spin_ns, yields as long again, then sleeps on `cv`
  // (`sleepers` counts the threads asleep there).
  template <typename Ready>
  void Wait(Ready ready, pthread_cond_t* cv, std::atomic<int>* sleepers, int64_t spin_ns);
  void WakeAll(pthread_cond_t* cv, std::atomic<int>* sleepers);
  Status PinCurrentThread(int32_t cpu);

  Parallel parallel_;
  int threads_ = 1;
  int64_t spin_ns_ = 0;
  std::unique_ptr<int32_t[]> cpus_;
  uint32_t num_cpus_ = 0;
  pthread_t pinned_caller_{};
  bool caller_pinned_ = false;
  struct WorkerArg {
    ThreadPool* pool;
    int index;
  };
  std::unique_ptr<pthread_t[]> workers_;
  std::unique_ptr<WorkerArg[]> args_;
  int started_ = 0;

  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t job_cv_ = PTHREAD_COND_INITIALIZER;   // workers sleep here between jobs
  pthread_cond_t done_cv_ = PTHREAD_COND_INITIALIZER;  // the caller sleeps here for the last chunk
  std::atomic<int> job_sleepers_{0}, done_sleepers_{0};
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> wake_{0};  // bumped by BeginInvoke to wake sleeping workers early

  // The current job. claim_ holds the job's generation (high 32 bits) and the next unclaimed
  // chunk (low 32 bits); a thread claims by compare-and-swap, so a late worker can never claim
  // a chunk of a job other than the one whose fields it read. The fields are written before
  // the generation is published (release) and read after it is seen (acquire); they change
  // only after every chunk is done, which no claimant of the old job can outlast.
  std::atomic<uint64_t> claim_{0};
  std::atomic<uint32_t> done_{0};
  std::atomic<uint32_t> chunks_{0};
  std::atomic<int64_t> n_{0};
  std::atomic<void*> ctx_{nullptr};
  std::atomic<void (*)(void*, int64_t, int64_t)> fn_{nullptr};
};

}  // namespace axle

#endif  // AXLE_RUNTIME_SRC_THREAD_POOL_H_
