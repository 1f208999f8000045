// ThreadSanitizer builds only: C11 threads, mutexes and condition variables routed through the
// pthread functions that ThreadSanitizer intercepts.
//
// librdkafka uses C11 <threads.h>. glibc implements those calls with its internal pthread
// functions, which clang 14's ThreadSanitizer never sees: threads started by thrd_create run
// without sanitizer state and crash in their first malloc, and locks taken with mtx_lock are
// invisible, so every hand-over inside librdkafka reads as a data race. Defining the C11
// functions here interposes them for every shared library; glibc's mtx_t and cnd_t have the
// layout of pthread_mutex_t and pthread_cond_t, which is how glibc itself implements them.
// Thread safety: each call owns its own Start block.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t function;
  void* argument;
};

void* RunC11Thread(void* raw) {
  Start start = *static_cast<Start*>(raw);
  delete static_cast<Start*>(raw);
  return reinterpret_cast<void*>(static_cast<intptr_t>(start.function(start.argument)));
}

}  // namespace

extern "C" int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
  auto* start = new (std::nothrow) Start{function, argument};
  if (start == nullptr) return thrd_nomem;
  pthread_t created{};
  const int rc = pthread_create(&created, nullptr, RunC11Thread, start);
  if (rc != 0) {
    delete start;
    return thrd_error;
  }
  *thread = created;
  return thrd_success;
}

extern "C" int thrd_join(thrd_t thread, int* result) {
  void* returned = nullptr;
  if (pthread_join(thread, &returned) != 0) return thrd_error;
  if (result != nullptr) *result = static_cast<int>(reinterpret_cast<intptr_t>(returned));
  return thrd_success;
}

extern "C" int thrd_detach(thrd_t thread) {
  return pthread_detach(thread) == 0 ? thrd_success : thrd_error;
}

extern "C" int mtx_init(mtx_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if ((type & mtx_recursive) != 0) {
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  }
  const int rc = pthread_mutex_init(reinterpret_cast<pthread_mutex_t*>(mutex), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return rc == 0 ? thrd_success : thrd_error;
}

extern "C" int mtx_lock(mtx_t* mutex) {
  return pthread_mutex_lock(reinterpret_cast<pthread_mutex_t*>(mutex)) == 0 ? thrd_success
                                                                            : thrd_error;
}

extern "C" int mtx_trylock(mtx_t* mutex) {
  const int rc = pthread_mutex_trylock(reinterpret_cast<pthread_mutex_t*>(mutex));
  if (rc == 0) return thrd_success;
  return rc == EBUSY ? thrd_busy : thrd_error;
}

extern "C" int mtx_unlock(mtx_t* mutex) {
  return pthread_mutex_unlock(reinterpret_cast<pthread_mutex_t*>(mutex)) == 0 ? thrd_success
                                                                              : thrd_error;
}

extern "C" void mtx_destroy(mtx_t* mutex) {
  pthread_mutex_destroy(reinterpret_cast<pthread_mutex_t*>(mutex));
}

extern "C" int cnd_init(cnd_t* condition) {
  return pthread_cond_init(reinterpret_cast<pthread_cond_t*>(condition), nullptr) == 0
             ? thrd_success
             : thrd_error;
}

extern "C" int cnd_signal(cnd_t* condition) {
  return pthread_cond_signal(reinterpret_cast<pthread_cond_t*>(condition)) == 0 ? thrd_success
                                                                                : thrd_error;
}

extern "C" int cnd_broadcast(cnd_t* condition) {
  return pthread_cond_broadcast(reinterpret_cast<pthread_cond_t*>(condition)) == 0 ? thrd_success
                                                                                   : thrd_error;
}

extern "C" int cnd_wait(cnd_t* condition, mtx_t* mutex) {
  return pthread_cond_wait(reinterpret_cast<pthread_cond_t*>(condition),
                           reinterpret_cast<pthread_mutex_t*>(mutex)) == 0
             ? thrd_success
             : thrd_error;
}

extern "C" int cnd_timedwait(cnd_t* condition, mtx_t* mutex, const struct timespec* deadline) {
  // C11 deadlines are TIME_UTC, the realtime clock that pthread_cond_timedwait uses by default.
  const int rc = pthread_cond_timedwait(reinterpret_cast<pthread_cond_t*>(condition),
                                        reinterpret_cast<pthread_mutex_t*>(mutex), deadline);
  if (rc == 0) return thrd_success;
  return rc == ETIMEDOUT ? thrd_timedout : thrd_error;
}

extern "C" void cnd_destroy(cnd_t* condition) {
  pthread_cond_destroy(reinterpret_cast<pthread_cond_t*>(condition));
}

extern "C" void call_once(once_flag* flag, void (*function)()) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), function);
}
