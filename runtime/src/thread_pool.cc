// Worker threads for intra-op parallelism (see thread_pool.h).
#include "runtime/src/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "runtime/src/clock.h"

namespace axle {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A spinning thread reads the clock every kPausesPerCheck pauses (a few microseconds); a gap of
// more than kPreemptedNs between two reads means it was descheduled: the cores are shared.
constexpr int kPausesPerCheck = 64;
constexpr int64_t kPreemptedNs = 200000;
// The least a caller spins for the last chunks of a job (see ForRanges).
constexpr int64_t kMinCallerSpinNs = 20000;

// "0-3,6" of a CPU set, into buf (truncated to fit).
const char* CpuListText(const cpu_set_t& set, char* buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (int c = 0; c < CPU_SETSIZE && used < size; ++c) {
    if (!CPU_ISSET(c, &set)) continue;
    int last = c;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    const int w = last > c
                      ? std::snprintf(buf + used, size - used, "%s%d-%d", used ? "," : "", c, last)
                      : std::snprintf(buf + used, size - used, "%s%d", used ? "," : "", c);
    used += w > 0 ? static_cast<size_t>(w) : 0;
    c = last;
  }
  return used ? buf : "none";
}

}  // namespace

Status ThreadPool::Create(const ThreadPoolOptions& options, std::unique_ptr<ThreadPool>* out) {
  if (options.threads > kMaxThreads)
    return Error(AXLE_INVALID_ARGUMENT, "%d threads requested; at most %d are supported",
                 options.threads, kMaxThreads);
  if ((options.cpus == nullptr) != (options.num_cpus == 0))
    return Error(AXLE_INVALID_ARGUMENT,
                 "the CPU list is empty: give cpus and num_cpus > 0 together, or neither");
  if (options.num_cpus > static_cast<uint32_t>(kMaxCpus))
    return Error(AXLE_INVALID_ARGUMENT, "%u CPUs listed; at most %d are supported",
                 options.num_cpus, kMaxCpus);
  std::unique_ptr<ThreadPool> p(new (std::nothrow) ThreadPool());
  if (!p) return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory creating a thread pool");
  p->threads_ = options.threads < 1 ? 1 : options.threads;
  p->spin_ns_ = options.spin_ns < 0 ? 0 : options.spin_ns;
  p->parallel_.threads = p->threads_;
  p->parallel_.impl = p.get();
  p->parallel_.for_ranges = &ThreadPool::ForRanges;

  if (options.num_cpus > 0) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
      return Error(AXLE_INTERNAL, "cannot read this process's CPU affinity: %s",
                   std::strerror(errno));
    p->cpus_.reset(new (std::nothrow) int32_t[options.num_cpus]);
    if (!p->cpus_) return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory creating a thread pool");
    char list[256];
    for (uint32_t i = 0; i < options.num_cpus; ++i) {
      const int32_t c = options.cpus[i];
      if (c < 0 || c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed))
        return Error(AXLE_INVALID_ARGUMENT,
                     "CPU %d (entry %u of the CPU list) is not available to this process "
                     "(available: %s)",
                     static_cast<int>(c), i, CpuListText(allowed, list, sizeof list));
      for (uint32_t j = 0; j < i; ++j)
        if (options.cpus[j] == c)
          return Error(AXLE_INVALID_ARGUMENT, "CPU %d is listed twice (entries %u and %u)",
                       static_cast<int>(c), j, i);
      p->cpus_[i] = c;
    }
    p->num_cpus_ = options.num_cpus;
  }

  if (p->threads_ > 1) {
    p->workers_.reset(new (std::nothrow) pthread_t[p->threads_ - 1]);
    p->args_.reset(new (std::nothrow) WorkerArg[p->threads_ - 1]);
    if (!p->workers_ || !p->args_)
      return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory creating threads");
    for (int i = 1; i < p->threads_; ++i) {
      p->args_[i - 1] = {p.get(), i};
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      if (p->num_cpus_ > 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(p->cpus_[i % p->num_cpus_], &one);
        pthread_attr_setaffinity_np(&attr, sizeof one, &one);
      }
      const int rc =
          pthread_create(&p->workers_[i - 1], &attr, &ThreadPool::WorkerMain, &p->args_[i - 1]);
      pthread_attr_destroy(&attr);
      if (rc != 0)
        return Error(AXLE_RESOURCE_EXHAUSTED, "cannot start worker thread %d of %d%s: %s", i,
                     p->threads_ - 1, p->num_cpus_ ? " (pinned)" : "", std::strerror(rc));
      ++p->started_;
    }
  }
  *out = std::move(p);
  return AXLE_OK;
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_seq_cst);
  pthread_mutex_lock(&mutex_);
  pthread_cond_broadcast(&job_cv_);
  pthread_mutex_unlock(&mutex_);
  for (int i = 0; i < started_; ++i) pthread_join(workers_[i], nullptr);
  pthread_cond_destroy(&job_cv_);
  pthread_cond_destroy(&done_cv_);
  pthread_mutex_destroy(&mutex_);
}

Status ThreadPool::PinCurrentThread(int32_t cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof one, &one);
  if (rc != 0)
    return Error(AXLE_INVALID_ARGUMENT, "cannot pin the invoking thread to CPU %d: %s",
                 static_cast<int>(cpu), std::strerror(rc));
  return AXLE_OK;
}

Status ThreadPool::BeginInvoke() {
  if (num_cpus_ > 0 && (!caller_pinned_ || !pthread_equal(pinned_caller_, pthread_self()))) {
    AXLE_RETURN_IF_ERROR(PinCurrentThread(cpus_[0]));
    pinned_caller_ = pthread_self();
    caller_pinned_ = true;
  }
  if (threads_ > 1 && job_sleepers_.load(std::memory_order_seq_cst) > 0) {
    wake_.fetch_add(1, std::memory_order_seq_cst);
    WakeAll(&job_cv_, &job_sleepers_);
  }
  return AXLE_OK;
}

void ThreadPool::WakeAll(pthread_cond_t* cv, std::atomic<int>* sleepers) {
  // A sleeper increments `sleepers` and checks its condition under the mutex before it
  // waits; the waker changed the condition before it looked at `sleepers` (both seq_cst), so
  // either the sleeper sees the change or the waker sees the sleeper and, taking the mutex,
  // signals only once it waits.
  if (sleepers->load(std::memory_order_seq_cst) == 0) return;
  pthread_mutex_lock(&mutex_);
  pthread_cond_broadcast(cv);
  pthread_mutex_unlock(&mutex_);
}

template <typename Ready>
void ThreadPool::Wait(Ready ready, pthread_cond_t* cv, std::atomic<int>* sleepers,
                      int64_t spin_ns) {
  if (ready()) return;
  if (spin_ns > 0) {
    const int64_t start = NowNs();
    int64_t last = start;
    bool preempted = false;
    // Spin on pause instructions for the budget, then yield the core for as long again.
    for (int phase = 0; phase < 2 && !preempted; ++phase) {
      const int64_t until = start + (phase + 1) * spin_ns;
      for (;;) {
        for (int i = 0; i < (phase == 0 ? kPausesPerCheck : 1); ++i) {
          if (ready()) return;
          if (phase == 0)
            CpuRelax();
          else
            sched_yield();
        }
        const int64_t now = NowNs();
        if (now - last > kPreemptedNs) {
          preempted = true;
          break;
        }
        last = now;
        if (now >= until) break;
      }
    }
  }
  pthread_mutex_lock(&mutex_);
  sleepers->fetch_add(1, std::memory_order_seq_cst);
  while (!ready()) pthread_cond_wait(cv, &mutex_);
  sleepers->fetch_sub(1, std::memory_order_seq_cst);
  pthread_mutex_unlock(&mutex_);
}

int ThreadPool::RunChunks(uint32_t generation) {
  const uint32_t chunks = chunks_.load(std::memory_order_relaxed);
  const int64_t n = n_.load(std::memory_order_relaxed);
  void* const ctx = ctx_.load(std::memory_order_relaxed);
  const auto fn = fn_.load(std::memory_order_relaxed);
  uint64_t cur = claim_.load(std::memory_order_acquire);
  for (int ran = 0;; ++ran) {
    if (static_cast<uint32_t>(cur >> 32) != generation || static_cast<uint32_t>(cur) >= chunks)
      return ran;
    if (!claim_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      --ran;
      continue;
    }
    const int64_t c = static_cast<uint32_t>(cur);
    fn(ctx, n * c / chunks, n * (c + 1) / chunks);
    if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == chunks)
      WakeAll(&done_cv_, &done_sleepers_);
    cur = claim_.load(std::memory_order_acquire);
  }
}

void* ThreadPool::WorkerMain(void* arg) {
  ThreadPool* pool = static_cast<WorkerArg*>(arg)->pool;
  uint32_t seen = 0, seen_wake = 0;
  for (;;) {
    pool->Wait(
        [&] {
          return static_cast<uint32_t>(pool->claim_.load(std::memory_order_seq_cst) >> 32) !=
                     seen ||
                 pool->wake_.load(std::memory_order_seq_cst) != seen_wake ||
                 pool->stop_.load(std::memory_order_seq_cst);
        },
        &pool->job_cv_, &pool->job_sleepers_, pool->spin_ns_);
    if (pool->stop_.load(std::memory_order_acquire)) break;
    seen_wake = pool->wake_.load(std::memory_order_acquire);
    const uint32_t job = static_cast<uint32_t>(pool->claim_.load(std::memory_order_acquire) >> 32);
    if (job == seen) continue;  // woken for an invoke: wait (spinning) for its first job
    seen = job;
    pool->RunChunks(job);
  }
  return nullptr;
}

void ThreadPool::ForRanges(const Parallel* self, int64_t n, void* ctx,
                           void (*fn)(void*, int64_t, int64_t)) {
  auto* pool = static_cast<ThreadPool*>(self->impl);
  if (pool->threads_ <= 1 || n < 2) {
    fn(ctx, 0, n);
    return;
  }
  const int64_t max_chunks = pool->threads_ * kChunksPerThread;
  const uint32_t chunks = static_cast<uint32_t>(n < max_chunks ? n : max_chunks);
  pool->n_.store(n, std::memory_order_relaxed);
  pool->ctx_.store(ctx, std::memory_order_relaxed);
  pool->fn_.store(fn, std::memory_order_relaxed);
  pool->chunks_.store(chunks, std::memory_order_relaxed);
  pool->done_.store(0, std::memory_order_relaxed);
  const uint32_t generation =
      static_cast<uint32_t>(pool->claim_.load(std::memory_order_relaxed) >> 32) + 1;
  pool->claim_.store(static_cast<uint64_t>(generation) << 32, std::memory_order_seq_cst);
  pool->WakeAll(&pool->job_cv_, &pool->job_sleepers_);
  const int64_t start = pool->spin_ns_ > 0 ? NowNs() : 0;
  const int ran = pool->RunChunks(generation);
  // The chunks still out are another thread's. Idle, it finishes within about a chunk's time
  // of ours; much later means it was descheduled, and spinning on would only take the core
  // from it (or from whoever else runs): spin for about two of our chunks, then yield, sleep.
  int64_t spin = pool->spin_ns_;
  if (spin > 0 && ran > 0)
    spin = std::min(spin, std::max(kMinCallerSpinNs, 2 * (NowNs() - start) / ran));
  pool->Wait([&] { return pool->done_.load(std::memory_order_seq_cst) == chunks; }, &pool->done_cv_,
             &pool->done_sleepers_, spin);
}

}  // namespace axle
