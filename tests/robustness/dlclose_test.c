/*
 * Defect: dlclose of a library that used ndislock crashed at exit: the
 * statistics dump read class names from the unmapped library, and a thread
 * exiting later ran a TSD destructor in unmapped code.  Run with a driver
 * library (dso_driver.c) that contains ndislock (built static into it) or
 * uses the shared one (this program then links it too).  Expect: threads
 * use the driver's lock, the library is closed while they live, they then
 * exit and get preempted, the process exits: status 0, no report, and with
 * the shared library the exit statistics name the driver's lock.
 */
#define _GNU_SOURCE
#include "robust.h"

#include <dlfcn.h>
#include <pthread.h>
#include <time.h>

static const char *lib;
static int go, done;

static void spin_ms(int ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static void *worker(void *arg)
{
    ((void (*)(int))arg)(10000);
    __atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);     /* out of the library's code */
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        usleep(1000);
    spin_ms(20);                                    /* preempted now and then: rseq is read */
    usleep(1000);
    return NULL;                                    /* TSD destructors run after the unload */
}

static void child(void)
{
    pthread_t th[4];
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

    if (h == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        _exit(5);
    }
    int (*enable)(void) = (int (*)(void))dlsym(h, "dso_enable");
    void (*init)(void) = (void (*)(void))dlsym(h, "dso_init");
    void (*work)(int) = (void (*)(int))dlsym(h, "dso_work");
    unsigned long (*reports)(void) = (unsigned long (*)(void))dlsym(h, "dso_reports");
    if (!enable || !init || !work || !reports || enable() != 0)
        _exit(6);
    init();
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)work);
    work(10000);
    while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < 4)
        usleep(1000);
    if (reports() != 0)
        _exit(7);
    dlclose(h);
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    spin_ms(50);
    exit(0);
}

int main(int argc, char **argv)
{
    static char err[1 << 16];

    CHECK(argc == 2);
    lib = argv[1];
    robust_deadline(60);
    int st = robust_child(child, err, sizeof err, 30);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fprintf(stderr, "child status %d (signal %d):\n%s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                WIFSIGNALED(st) ? WTERMSIG(st) : 0, err);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(err, "ndislock: error") == NULL && strstr(err, "ndislock: warning") == NULL);
#ifdef LINKED_SHARED
    CHECK(strstr(err, "&dso_lock") != NULL);        /* named after the library went away */
#endif
    CHECK_DONE();
}
