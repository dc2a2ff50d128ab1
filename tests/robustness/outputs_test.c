/*
 * Defects: stats_json= or dot= into a missing directory were silently
 * dropped; a lock name with a quote broke the DOT output.  Expect: the
 * options are refused with a message naming them; a name with quotes and
 * a backslash comes out escaped in DOT (every quote preceded by a
 * backslash) and in JSON.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

static const struct ndislock_site odd_site = { "q[\"x\\y\"]", "outputs_test.c", 1 };
static const struct ndislock_site plain_site = { "plain", "outputs_test.c", 2 };
static KSPIN_LOCK odd, plain;

/* Calls configure with stderr captured; returns its result, msg gets what it printed. */
static int configure_capturing(const char *opts, char *msg, size_t n)
{
    char path[] = "/tmp/ndislock_outputs_XXXXXX";
    int fd = mkstemp(path), saved = dup(2);

    unlink(path);
    dup2(fd, 2);
    int rc = ndislock_verifier_configure(opts);
    dup2(saved, 2);
    close(saved);
    ssize_t k = pread(fd, msg, n - 1, 0);
    msg[k > 0 ? k : 0] = '\0';
    close(fd);
    return rc;
}

int main(void)
{
    char msg[1024], *buf;
    size_t len;
    KIRQL irql;

    robust_deadline(30);
    CHECK_EQ(configure_capturing("verify=1:stats_json=/nonexistent-dir/s.json", msg, sizeof msg), -1);
    CHECK(strstr(msg, "'stats_json'") != NULL && strstr(msg, "/nonexistent-dir") != NULL);
    CHECK_EQ(configure_capturing("verify=1:dot=/nonexistent-dir/g.dot", msg, sizeof msg), -1);
    CHECK(strstr(msg, "'dot'") != NULL);
    CHECK_EQ(configure_capturing("verify=1:json=/nonexistent-dir/r.json", msg, sizeof msg), -1);
    CHECK(strstr(msg, "'json'") != NULL);
    CHECK(!ndislock_verifier_enabled());            /* refused: nothing changed */

    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0"), 0);
    ndislock_spin_init(&odd, &odd_site);
    ndislock_spin_init(&plain, &plain_site);
    KeRaiseIrql(DISPATCH_LEVEL, &irql);
    KeAcquireSpinLockAtDpcLevel(&odd);
    KeAcquireSpinLockAtDpcLevel(&plain);
    KeReleaseSpinLockFromDpcLevel(&plain);
    KeReleaseSpinLockFromDpcLevel(&odd);
    KeLowerIrql(irql);
    FILE *f = open_memstream(&buf, &len);
    ndislock_lockgraph_dot(f);
    fclose(f);
    CHECK(strstr(buf, "label=\"q[\\\"x\\\\y\\\"]\\n") != NULL);
    for (char *p = strchr(buf, '"'); p; p = strchr(p + 1, '"'))   /* quotes pair up */
        if (p[-1] != '\\') {
            char *q = p + 1;
            while (*q && !(*q == '"' && q[-1] != '\\'))
                q++;
            CHECK(*q == '"');
            p = q;
        }
    free(buf);
    f = open_memstream(&buf, &len);
    ndislock_stats_dump(f, 1);
    fclose(f);
    CHECK(strstr(buf, "\"lock\":\"q[\\\"x\\\\y\\\"]\"") != NULL);
    free(buf);
    CHECK_EQ(ndislock_verifier_report_count(), 0);
    CHECK_DONE();
}
