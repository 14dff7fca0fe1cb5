// Clang's thread-safety analysis (-Wthread-safety, on in the clang build the thread_safety test
// makes): which mutex guards which member, and what a function expects to hold. The attributes
// compile away elsewhere. Annotate shared state with GUARDED_BY and use util/mutex.h's Mutex,
// which the analysis knows (std::mutex in libstdc++ carries no annotations).
#pragma once

#if defined(__clang__)
#define WCLOUD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define WCLOUD_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) WCLOUD_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY WCLOUD_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) WCLOUD_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) WCLOUD_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) WCLOUD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) WCLOUD_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) WCLOUD_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) WCLOUD_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) WCLOUD_THREAD_ANNOTATION(assert_capability(x))
#define EXCLUDES(...) WCLOUD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS WCLOUD_THREAD_ANNOTATION(no_thread_safety_analysis)
