/*
 * Defect: a report whose stack held a frame dladdr could not resolve (a
 * statically linked program, generated code) read an uninitialized
 * Dl_info and crashed.  Expect: a report made from code in an anonymous
 * executable mapping (x86-64: a generated call) completes, shows the frame
 * as "?", and the program goes on.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <sys/mman.h>

#if defined(__x86_64__)
static NDIS_SPIN_LOCK l;

/* A driver function whose caller is generated code. */
__attribute__((noinline)) static void release_twice(PNDIS_SPIN_LOCK p)
{
    NdisReleaseSpinLock(p);                         /* LOCK_RELEASE_NOT_HELD */
    __asm__ __volatile__("" ::: "memory");
}
#endif

static void child(void)
{
#if defined(__x86_64__)
    /* movabs $l, %rdi; movabs $release_twice, %rax; sub $8, %rsp; call *%rax; add $8, %rsp; ret */
    unsigned char code[] = { 0x48, 0xbf, 0, 0, 0, 0, 0, 0, 0, 0, 0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
                             0x48, 0x83, 0xec, 0x08, 0xff, 0xd0, 0x48, 0x83, 0xc4, 0x08, 0xc3 };
    void *p = &l, *fn = (void *)(uintptr_t)release_twice;
    memcpy(code + 2, &p, 8);
    memcpy(code + 12, &fn, 8);
    unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        _exit(5);
    memcpy(page, code, sizeof code);
    ndislock_verifier_configure("verify=1:halt_on_error=0");
    NdisAllocateSpinLock(&l);
    ((void (*)(void))(void *)page)();
    fprintf(stderr, "after the report\n");
    ndislock_verifier_configure("verify=0");
#endif
    _exit(0);
}

int main(void)
{
    static char err[1 << 16];

#if !defined(__x86_64__)
    printf("x86-64 only (generated code); nothing to do here\n");
    CHECK_DONE();
#endif
    robust_deadline(60);
    int st = robust_child(child, err, sizeof err, 30);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fprintf(stderr, "child: %s\n", err);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 5) {
        printf("no executable anonymous mappings here; nothing to do\n");
        CHECK_DONE();
    }
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(err, "LOCK_RELEASE_NOT_HELD") != NULL);
    CHECK(strstr(err, "after the report") != NULL);
    CHECK(strstr(err, " in release_twice ") != NULL);
    CHECK_DONE();
}
