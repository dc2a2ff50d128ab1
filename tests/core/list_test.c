/* The WDK list inlines and CONTAINING_RECORD, single-threaded semantics. */
#include <ndis.h>

#include "check.h"

typedef struct {
    int value;
    LIST_ENTRY link;
    SINGLE_LIST_ENTRY slink;
} ITEM;

int main(void)
{
    LIST_ENTRY head, other;
    ITEM it[4];

    for (int i = 0; i < 4; i++)
        it[i].value = i;
    NdisInitializeListHead(&head);
    CHECK(IsListEmpty(&head));
    CHECK(RemoveHeadList(&head) == &head);   /* empty: returns the head itself */
    CHECK(RemoveTailList(&head) == &head);

    InsertTailList(&head, &it[1].link);
    InsertHeadList(&head, &it[0].link);
    InsertTailList(&head, &it[2].link);
    CHECK(!IsListEmpty(&head));
    int expect = 0;
    for (PLIST_ENTRY e = head.Flink; e != &head; e = e->Flink)
        CHECK_EQ(CONTAINING_RECORD(e, ITEM, link)->value, expect++);
    CHECK_EQ(expect, 3);
    for (PLIST_ENTRY e = head.Blink; e != &head; e = e->Blink)
        CHECK_EQ(CONTAINING_RECORD(e, ITEM, link)->value, --expect);

    CHECK(!RemoveEntryList(&it[1].link));          /* not empty afterwards */
    CHECK(RemoveHeadList(&head) == &it[0].link);
    CHECK(RemoveTailList(&head) == &it[2].link);
    CHECK(IsListEmpty(&head));
    InsertHeadList(&head, &it[3].link);
    CHECK(RemoveEntryList(&it[3].link));            /* empty afterwards */

    /* AppendTailList splices a headless ring onto the tail. */
    InsertTailList(&head, &it[0].link);
    InitializeListHead(&other);
    InsertTailList(&other, &it[1].link);
    InsertTailList(&other, &it[2].link);
    PLIST_ENTRY first = other.Flink;
    RemoveEntryList(&other);                        /* it[1] <-> it[2] ring, no head */
    AppendTailList(&head, first);
    expect = 0;
    for (PLIST_ENTRY e = head.Flink; e != &head; e = e->Flink)
        CHECK_EQ(CONTAINING_RECORD(e, ITEM, link)->value, expect++);
    CHECK_EQ(expect, 3);
    CHECK(head.Blink == &it[2].link);

    SINGLE_LIST_ENTRY shead = { NULL };
    CHECK(PopEntryList(&shead) == NULL);
    PushEntryList(&shead, &it[0].slink);
    PushEntryList(&shead, &it[1].slink);
    CHECK(PopEntryList(&shead) == &it[1].slink);    /* LIFO */
    CHECK_EQ(CONTAINING_RECORD(PopEntryList(&shead), ITEM, slink)->value, 0);
    CHECK(PopEntryList(&shead) == NULL);

    CHECK_EQ(FIELD_OFFSET(ITEM, link), (LONG)offsetof(ITEM, link));
    CHECK_DONE();
}
