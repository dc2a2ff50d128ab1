/*
 * The lock-order graph as DOT (ndislock_lockgraph_dot, dot=): names with
 * quotes and backslashes escaped, only the locks some edge touches, one
 * label per edge, and only a reported cycle in red.
 */
#include "check.h"

#include <ndislock/ndislock.h>
#include <ndislock/verifier.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct ndislock_site s_odd = { "lk[\"a\\b\"]", "dot_test.c", 1 };
static const struct ndislock_site s_plain = { "plain", "dot_test.c", 2 };
static const struct ndislock_site s_third = { "third", "dot_test.c", 3 };
static const struct ndislock_site s_alone = { "alone", "dot_test.c", 4 };
static ndislock_spin_t odd, plain, third, alone;

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static char *dot(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ndislock_lockgraph_dot(f);
    fclose(f);
    return buf;
}

/* takes b while holding a */
static void nest(ndislock_spin_t *a, ndislock_spin_t *b)
{
    ndislock_irql_t old = ndislock_spin_acquire(a);
    ndislock_spin_acquire_at_dpc(b);
    ndislock_spin_release_from_dpc(b);
    ndislock_spin_release(a, old);
}

int main(void)
{
    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0:stats=0:hold_us=0"), 0);
    ndislock_spin_init(&odd, &s_odd);
    ndislock_spin_init(&plain, &s_plain);
    ndislock_spin_init(&third, &s_third);
    ndislock_spin_init(&alone, &s_alone);
    ndislock_irql_t old = ndislock_spin_acquire(&alone);    /* used, but never nested */
    ndislock_spin_release(&alone, old);
    nest(&odd, &plain);
    nest(&odd, &plain);
    nest(&plain, &third);

    char *g = dot();
    CHECK(strstr(g, "[label=\"lk[\\\"a\\\\b\\\"]\\ndot_test.c:1\"") != NULL);   /* escaped */
    CHECK(strstr(g, "\"alone") == NULL);                    /* in no edge: not drawn */
    CHECK_EQ(count(g, "[label=\"plain\\n"), 1);
    CHECK_EQ(count(g, " -> c"), 2);
    CHECK_EQ(count(g, "[label=\"2\\n"), 1);       /* odd -> plain, twice, one label */
    CHECK_EQ(count(g, "[label=\"1\\n"), 1);       /* plain -> third */
    CHECK(strstr(g, "color=red") == NULL);                  /* no cycle yet */
    free(g);

    nest(&third, &odd);                                     /* closes odd -> plain -> third -> odd */
    CHECK_EQ(ndislock_verifier_report_count(), 1);
    g = dot();
    CHECK_EQ(count(g, " color=red fontcolor=red penwidth=2];"), 3);
    CHECK_EQ(count(g, " color=red penwidth=2];"), 3);
    free(g);

    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    CHECK_DONE();
}
