// Worker threads for intra-op parallelism (see thread_pool.h).
#include "runtime/src/thread_pool.h"

#include <cstring>
#include <new>

namespace axle {
Status ThreadPool::Create(int threads, std::unique_ptr<ThreadPool>* out) {
  std::unique_ptr<ThreadPool> p(new (std::nothrow) ThreadPool());
  if (!p) return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory creating a thread pool");
  if (threads > kMaxThreads)
    return Error(AXLE_INVALID_ARGUMENT, "%d threads requested; at most %d are supported", threads,
                 kMaxThreads);
  p->threads_ = threads < 1 ? 1 : threads;
  p->parallel_.threads = p->threads_;
  p->parallel_.impl = p.get();
  p->parallel_.for_ranges = &ThreadPool::ForRanges;
  if (p->threads_ > 1) {
    p->workers_.reset(new (std::nothrow) pthread_t[p->threads_ - 1]);
    p->args_.reset(new (std::nothrow) WorkerArg[p->threads_ - 1]);
    if (!p->workers_ || !p->args_)
      return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory creating threads");
    for (int i = 1; i < p->threads_; ++i) {
      p->args_[i - 1] = {p.get(), i};
      const int rc =
          pthread_create(&p->workers_[i - 1], nullptr, &ThreadPool::WorkerMain, &p->args_[i - 1]);
      if (rc != 0)
        return Error(AXLE_RESOURCE_EXHAUSTED, "cannot start worker thread %d of %d: %s", i,
                     p->threads_ - 1, std::strerror(rc));
      ++p->started_;
    }
  }
  *out = std::move(p);
  return AXLE_OK;
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  pthread_mutex_lock(&mutex_);
  pthread_cond_broadcast(&wake_);
  pthread_mutex_unlock(&mutex_);
  for (int i = 0; i < started_; ++i) pthread_join(workers_[i], nullptr);
  pthread_cond_destroy(&wake_);
  pthread_mutex_destroy(&mutex_);
}

namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

constexpr int kSpinsBeforeSleep = 4000;  // ~0.2 ms of pause instructions

}  // namespace

void ThreadPool::RunShare(int share) {
  const int64_t begin = n_ * share / threads_, end = n_ * (share + 1) / threads_;
  if (begin < end) fn_(ctx_, begin, end);
}

void* ThreadPool::WorkerMain(void* arg) {
  ThreadPool* pool = static_cast<WorkerArg*>(arg)->pool;
  const int share = static_cast<WorkerArg*>(arg)->share;
  uint64_t seen = 0;
  for (;;) {
    uint64_t job;
    int spins = 0;
    while ((job = pool->generation_.load(std::memory_order_acquire)) == seen &&
           !pool->stop_.load(std::memory_order_acquire)) {
      if (++spins < kSpinsBeforeSleep || pool->hold_.load(std::memory_order_relaxed)) {
        CpuRelax();
        continue;
      }
      pthread_mutex_lock(&pool->mutex_);
      ++pool->sleepers_;
      while (pool->generation_.load(std::memory_order_acquire) == seen &&
             !pool->stop_.load(std::memory_order_acquire) &&
             !pool->hold_.load(std::memory_order_acquire))
        pthread_cond_wait(&pool->wake_, &pool->mutex_);
      --pool->sleepers_;
      pthread_mutex_unlock(&pool->mutex_);
      spins = 0;
    }
    if (pool->stop_.load(std::memory_order_acquire)) break;
    seen = job;
    pool->RunShare(share);
    pool->pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
  return nullptr;
}

void ThreadPool::Hold(bool hold) {
  if (threads_ <= 1) return;
  hold_.store(hold, std::memory_order_release);
  if (!hold) return;
  // Under the mutex: a worker about to sleep either sees hold_ or is counted in sleepers_.
  pthread_mutex_lock(&mutex_);
  if (sleepers_ > 0) pthread_cond_broadcast(&wake_);
  pthread_mutex_unlock(&mutex_);
}

void ThreadPool::ForRanges(const Parallel* self, int64_t n, void* ctx,
                           void (*fn)(void*, int64_t, int64_t)) {
  auto* pool = static_cast<ThreadPool*>(self->impl);
  if (pool->threads_ <= 1 || n < 2) {
    fn(ctx, 0, n);
    return;
  }
  pool->n_ = n;
  pool->ctx_ = ctx;
  pool->fn_ = fn;
  pool->pending_.store(pool->threads_ - 1, std::memory_order_relaxed);
  pool->generation_.fetch_add(1, std::memory_order_acq_rel);
  // A worker either sees the new generation before sleeping (it checks under the mutex) or is
  // counted in sleepers_ by the time we look.
  pthread_mutex_lock(&pool->mutex_);
  if (pool->sleepers_ > 0) pthread_cond_broadcast(&pool->wake_);
  pthread_mutex_unlock(&pool->mutex_);
  pool->RunShare(0);
  while (pool->pending_.load(std::memory_order_acquire) > 0) CpuRelax();
}

}  // namespace axle
