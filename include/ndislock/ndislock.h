/*
 * ndislock/ndislock.h - the native API of ndislock (prefix ndislock_).
 *
 * Driver code includes <ndis.h>, which maps the Windows names onto these.
 * Harness and test code may use this header directly.  Docs: docs/API.md.
 */
#ifndef NDISLOCK_NDISLOCK_H
#define NDISLOCK_NDISLOCK_H

#include <ndislock/atomic.h>
#include <ndislock/irql.h>
#include <ndislock/spin.h>
#include <ndislock/wdk_types.h>
#include <ndislock/interlocked.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NDISLOCK_VERSION_MAJOR 0
#define NDISLOCK_VERSION_MINOR 1
#define NDISLOCK_VERSION_PATCH 0

/* The library's version as "major.minor.patch". */
NDISLOCK_API const char *ndislock_version(void);

/* DbgPrint: printf-style message to stderr, prefixed "[ndis] "; returns 0 (STATUS_SUCCESS). */
NDISLOCK_API ULONG ndislock_dbg_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ASSERT / NT_ASSERT failure: prints expression, file:line and aborts. */
NDISLOCK_API void ndislock_assert_failed(const char *expr, const char *file, int line)
    __attribute__((noreturn, cold));

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_NDISLOCK_H */
