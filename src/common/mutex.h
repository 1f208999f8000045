// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with clang's
// thread-safety annotations, so that the clang build checks every "guarded by" rule at compile
// time (-Wthread-safety is an error there): a member declared GUARDED_BY(mu_) that is touched
// without mu_ held, or a function that REQUIRES(mu_) called without it, does not compile.
// leveldb's port::Mutex and Abseil's Mutex do the same. Under GCC the annotations are empty.
//
// Ownership: a Mutex is owned by the object whose state it guards. MutexLock holds it for a
// scope. CondVar waits on a held Mutex.
// Thread safety: that is their purpose.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define INZAGE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define INZAGE_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) INZAGE_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY INZAGE_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) INZAGE_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) INZAGE_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) INZAGE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) INZAGE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) INZAGE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) INZAGE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) INZAGE_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) INZAGE_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) INZAGE_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS INZAGE_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace inzage {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  bool TryLock() TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis that the caller holds the lock (where it cannot see it: callbacks).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for the scope; Unlock/Lock in between are allowed (released before a slow call).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_->Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_->Unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_->Lock();
    held_ = true;
  }

 private:
  Mutex* const mu_;
  bool held_ = true;
};

// A condition variable for a Mutex. Wait releases the mutex while it sleeps and holds it again
// when it returns, as std::condition_variable does; the analysis sees the mutex held throughout.
// Wait in a loop on the condition (`while (!ready_) cv_.Wait(&mu_);`): the analysis checks the
// condition's reads, which it cannot do inside a predicate lambda.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait(Mutex* mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // False when the timeout passed first.
  template <typename Rep, typename Period>
  bool WaitFor(Mutex* mu, std::chrono::duration<Rep, Period> timeout) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool woken = cv_.wait_for(lock, timeout) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  // False when the deadline passed first.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex* mu, std::chrono::time_point<Clock, Duration> deadline) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace inzage
