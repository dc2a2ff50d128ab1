/*
 * ndislock/wdk_types.h - the WDK's basic types with Windows widths (LLP64 sizes
 * kept on LP64 Linux: ULONG/LONG are 32-bit, pointers and ULONG_PTR 64-bit).
 *
 * A compatibility header: the only place besides <ndis.h> where Windows names
 * are defined.  Driver code gets it through <ndis.h>.
 */
#ifndef NDISLOCK_WDK_TYPES_H
#define NDISLOCK_WDK_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VOID
#define VOID void
#endif
typedef void *PVOID;
typedef char CHAR, *PCHAR;
typedef unsigned char UCHAR, *PUCHAR;
typedef int16_t SHORT, *PSHORT;
typedef uint16_t USHORT, *PUSHORT;
typedef int32_t LONG, *PLONG;
typedef uint32_t ULONG, *PULONG;
typedef int32_t INT, *PINT;
typedef uint32_t UINT, *PUINT;
typedef int64_t LONGLONG, *PLONGLONG;
typedef uint64_t ULONGLONG, *PULONGLONG;
typedef intptr_t LONG_PTR, *PLONG_PTR;
typedef uintptr_t ULONG_PTR, *PULONG_PTR;
typedef size_t SIZE_T, *PSIZE_T;
typedef int8_t INT8;
typedef uint8_t UINT8;
typedef int16_t INT16;
typedef uint16_t UINT16;
typedef int32_t INT32;
typedef uint32_t UINT32;
typedef int64_t INT64;
typedef uint64_t UINT64;
typedef uint32_t ULONG32;
typedef uint64_t ULONG64;
typedef int64_t LONG64;
typedef uint16_t WCHAR, *PWCHAR, *PWSTR;
typedef const char *PCSTR;
typedef UCHAR BOOLEAN, *PBOOLEAN;
typedef LONG NTSTATUS;
typedef CHAR CCHAR, *PCCHAR;
typedef ULONG LOGICAL, *PLOGICAL;
typedef LONG KPRIORITY;
typedef LONG64 *PLONG64;
typedef ULONG64 *PULONG64;
typedef ULONG_PTR KAFFINITY, *PKAFFINITY;

#define STATUS_SUCCESS                 ((NTSTATUS)0x00000000L)
#define STATUS_WAIT_0                  ((NTSTATUS)0x00000000L)
#define STATUS_USER_APC                ((NTSTATUS)0x000000C0L)
#define STATUS_ALERTED                 ((NTSTATUS)0x00000101L)
#define STATUS_TIMEOUT                 ((NTSTATUS)0x00000102L)
#define STATUS_PENDING                 ((NTSTATUS)0x00000103L)
#define STATUS_UNSUCCESSFUL            ((NTSTATUS)0xC0000001L)
#define STATUS_INVALID_PARAMETER       ((NTSTATUS)0xC000000DL)
#define STATUS_INSUFFICIENT_RESOURCES  ((NTSTATUS)0xC000009AL)
#define STATUS_NOT_SUPPORTED           ((NTSTATUS)0xC00000BBL)
#define NT_SUCCESS(_Status)             (((NTSTATUS)(_Status)) >= 0)

#ifndef TRUE
#define TRUE  1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* Parameter annotations of the pre-SAL headers. */
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#define NTAPI
#define NDIS_API
#define FASTCALL
#define DECLSPEC_NOINLINE __attribute__((noinline))
#define FORCEINLINE       static inline __attribute__((always_inline))
#define UNREFERENCED_PARAMETER(P) ((void)(P))

typedef union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

/* IRQL: a per-thread priority level; see ndislock/irql.h. */
typedef UCHAR KIRQL, *PKIRQL;

/* A kernel spin lock: one pointer-sized word, 0 = free (encoding in ndislock/spin.h).
 * NDIS_SPIN_LOCK and KLOCK_QUEUE_HANDLE are defined in <ndis.h> over ndislock/spin.h. */
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;

/* Processors (groups of up to 64, one KAFFINITY bit each). */
typedef struct _PROCESSOR_NUMBER {
    USHORT Group;
    UCHAR Number;
    UCHAR Reserved;
} PROCESSOR_NUMBER, *PPROCESSOR_NUMBER;

typedef struct _GROUP_AFFINITY {
    KAFFINITY Mask;
    USHORT Group;
    USHORT Reserved[3];
} GROUP_AFFINITY, *PGROUP_AFFINITY;

#define MAXIMUM_PROCESSORS      64
#define ALL_PROCESSOR_GROUPS    0xffff
#define INVALID_PROCESSOR_INDEX 0xffffffff

#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#define CONTAINING_RECORD(address, type, field)                                 \
    ((type *)((PCHAR)(address) - (ULONG_PTR)offsetof(type, field)))

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_TYPES_H */
