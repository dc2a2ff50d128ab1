/*
 * spinlock.pml - the lock protocol of include/ndislock/spin.h,
 * src/lock/spin_contended.c, src/lock/spin_release.c and the parking table
 * (src/lock/waitq.c), for the SPIN model checker.  One lock, one bucket.
 *
 * What is modelled:
 *   - the word: 0 free, 1 held.  Acquire is CAS 0->1.  Each thread's stores
 *     to the word go through its store buffer (depth 1); a buffered store
 *     drains at any moment, before the thread's own RMW, mutex operation or
 *     futex call, and membarrier drains every buffer.  Loads of the counts
 *     read memory, so a release's load may pass its own buffered store (the
 *     store->load reordering every CPU, x86 included, performs).
 *   - the holder, inside its critical section, may rewrite the word with
 *     what it reads (a copy of the structure around the lock out and back).
 *   - acquire: unregistered CAS attempts (ordinary only); then a record is
 *     linked in ticket order (count += 1 first: the seq_cst RMW), asleep for
 *     an ordinary waiter, awake for an in-stack queued one.  Awake: poll the
 *     record (offered? passed over?) and CAS the word, any number of times,
 *     then go to sleep (state change under the mutex).  Asleep: heavy fence
 *     once per registration, CAS the word, futex-wait on the record; after
 *     each wake-up the waiter may find it has starved (the 1 ms clock is a
 *     nondeterministic choice here, a superset) and stays awake.  Each
 *     acquisition chooses ordinary or queued: mixing is covered.
 *   - release: load the count; 0: buffered store of 0, load the count again,
 *     wake path if nonzero.  Else, with the word held, under the bucket
 *     mutex: offer the lock to the first awake record owed it (queued or
 *     starving) and wake a sleeper owed it ahead of that one, wait any time
 *     for CAS(offer: ticket->0) by the taker, else
 *     take it back with the same CAS and link the record again as passed
 *     over; or store 0 and wake the first sleeper unless one is awake.
 *
 * Checked:
 *   - mutual exclusion: the assert in the critical section;
 *   - the word reads held (1) in memory whenever someone holds the lock,
 *     whatever the holder rewrites: nothing but acquire and release changes it;
 *   - no lost wake-up: every thread does ITER acquisitions and ends; a
 *     sleeper left asleep with nobody to wake it is an invalid end state
 *     (sleeps have no timeout here; with -DTIMEOUTS an ordinary sleep may end
 *     by its deadline, which can only help, and the run checks safety).
 *
 * Broken variants, each of which must fail (tests/model/check_model.sh):
 *   -DNO_FENCE     the heavy fence removed: a release's load of the count
 *                  passes its buffered store of 0, the sleeper reads the
 *                  word as held and sleeps, nobody wakes it;
 *   -DNO_LOOK      a waiter that stops polling goes to sleep without
 *                  looking at the word again: the release that saw it awake
 *                  woke nobody, so it sleeps on a free lock forever;
 *   -DPLAIN_REVOKE the release takes an offer back with a plain store
 *                  instead of a CAS: the taker may already own the lock, and
 *                  then both do.
 */
#ifndef N
#define N 3
#endif
#ifndef ITER
#define ITER 1
#endif

#define SPINNING 1
#define SLEEPING 2
#define PASSED   3
#define OFFERED  4
#define OWNER    5

byte word = 0;       /* the lock word, as visible in memory */
bool sb[N];          /* sb[i]: thread i has a store to the word buffered ... */
byte sbv[N];         /* ... of this value */
byte nwait = 0;      /* ndislock__spin_waiters */
byte bn = 0;         /* bucket->n: records linked */
bool bm = 0;         /* the bucket mutex */
byte offer = 0;      /* bucket->offer: ticket being handed the lock, 0 none */
byte nt = 0;         /* bucket->next_ticket */
byte st[N];          /* record state */
bool lk[N];          /* record linked */
byte tk[N];          /* record ticket */
bool qd[N];          /* record of an in-stack queued acquire */
bool starv[N];          /* record starving */
bool fenced[N];
bool asleep[N];      /* in futex_wait */
byte in_cs = 0;

inline drain_own() {
    if
    :: sb[_pid] -> word = sbv[_pid]; sb[_pid] = 0
    :: else -> skip
    fi
}

/* a store to the word: into the buffer (a pending one drains first, FIFO) */
inline store_word(v) {
    atomic { drain_own(); sb[_pid] = 1; sbv[_pid] = v }
}

inline cas_word(ok) {
    atomic {
        drain_own();
        if
        :: word == 0 -> word = 1; ok = 1
        :: else -> ok = 0
        fi
    }
}

inline heavy_fence() {
#ifndef NO_FENCE
    atomic {
        i = 0;
        do
        :: i < N -> if :: sb[i] -> word = sbv[i]; sb[i] = 0 :: else -> skip fi; i++
        :: else -> break
        od;
        i = 0
    }
#else
    skip
#endif
}

/* the bucket mutex: its lock and unlock are RMWs (full barriers) */
inline lock_b() {
    atomic { bm == 0 -> drain_own(); bm = 1 }
}

inline unlock_b() {
    atomic { drain_own(); bm = 0 }
}

/* under the mutex: first linked record (ticket order) in state `want`; ho: 0
 * any, 1 owed a hand-off (queued or starving), 2 starving; N if none */
inline first(want, ho, r) {
    atomic {
        r = N; i = 0; best = 255;
        do
        :: i < N ->
           if
           :: lk[i] && st[i] == want && (ho == 0 || starv[i] || (ho == 1 && qd[i])) && tk[i] < best ->
              r = i; best = tk[i]
           :: else -> skip
           fi;
           i++
        :: else -> break
        od;
        i = 0; best = 0
    }
}

/* under the mutex, word free: the sleeper to wake, unless one is awake */
inline pick(r) {
    first(SPINNING, 0, r);
    if
    :: r < N -> r = N
    :: else ->
       first(SLEEPING, 0, r);
       if
       :: r < N -> st[r] = SPINNING
       :: else -> skip
       fi
    fi
}

inline futex_wake(r) {
    atomic { asleep[r] = 0 }
}

inline wake() {
    if
    :: bn == 0 -> skip
    :: else ->
       lock_b();
       r = N;
       atomic { if :: word == 0 -> pick(r) :: else -> skip fi };   /* own store drained by the lock */
       unlock_b();
       if :: r < N -> futex_wake(r) :: else -> skip fi
    fi
}

inline release() {
    if
    :: nwait == 0 ->
       store_word(0);
       if :: nwait != 0 -> wake() :: else -> skip fi   /* may pass the buffered store */
    :: else ->
       if
       :: bn == 0 ->
          store_word(0);
          if :: bn != 0 -> wake() :: else -> skip fi
       :: else ->
          lock_b();
          r = N;
          if :: offer == 0 -> first(SPINNING, 1, r) :: else -> skip fi;
          if
          :: r < N ->
             first(SLEEPING, 1, r2);             /* a sleeper owed the lock ahead of r */
             atomic {
                 if :: r2 < N && tk[r2] < tk[r] -> st[r2] = SPINNING :: else -> r2 = N fi;
                 t = tk[r]; lk[r] = 0; bn--; offer = t; st[r] = OFFERED
             };
             unlock_b();
             if :: r2 < N -> futex_wake(r2) :: else -> skip fi;
             if
             :: offer != t -> goto released          /* taken */
             :: true -> skip                         /* waited long enough */
             fi;
             lock_b();
#ifndef PLAIN_REVOKE
             atomic { if :: offer == t -> offer = 0; ok = 1 :: else -> ok = 0 fi };
#else
             atomic { offer = 0; ok = 1 };
#endif
             if
             :: !ok -> unlock_b(); goto released
             :: else -> atomic { lk[r] = 1; bn++; st[r] = PASSED }
             fi
          :: else ->
             first(SLEEPING, 2, r);              /* a starved sleeper: handed the lock asleep */
             if
             :: r < N ->
                atomic { lk[r] = 0; bn--; st[r] = OWNER };
                unlock_b();
                futex_wake(r);
                goto released
             :: else -> skip
             fi
          fi;
          store_word(0);                 /* under the mutex; its unlock drains it */
          pick(r);
          unlock_b();
          if :: r < N -> futex_wake(r) :: else -> skip fi
       fi
    fi;
released:
    t = 0; r = 0
}

/* took the word while registered: leave the list */
inline took_word() {
    lock_b();
    assert(lk[_pid]);
    atomic { lk[_pid] = 0; bn-- };
    unlock_b()
}

inline acquire() {
    cas_word(ok);
    if :: ok -> goto locked :: else -> skip fi;
    if
    :: !q ->
       do
       :: cas_word(ok); if :: ok -> goto locked :: else -> skip fi
       :: break
       od
    :: else -> skip
    fi;
    /* register */
    atomic { qd[_pid] = q; starv[_pid] = 0; fenced[_pid] = 0; tk[_pid] = 0; polled = 0 };
    atomic { drain_own(); nwait++ };
    lock_b();
    atomic { nt++; tk[_pid] = nt; lk[_pid] = 1; bn++; st[_pid] = (q -> SPINNING : SLEEPING) };
    unlock_b();
    do
    :: s = st[_pid];
       if
       :: s == OWNER -> goto owned               /* handed it asleep */
       :: s == OFFERED ->
          atomic { drain_own(); if :: offer == tk[_pid] -> offer = 0; ok = 1 :: else -> ok = 0 fi };
          if
          :: ok -> goto owned
          :: else -> (st[_pid] != OFFERED)   /* taken back: wait to be linked again */
          fi
       :: s == PASSED ->
          lock_b();
          if :: st[_pid] == PASSED -> st[_pid] = SPINNING :: else -> skip fi;
          unlock_b()
       :: s == SPINNING ->
          do
          :: s = st[_pid];
             if
             :: s != SPINNING -> break
             :: else -> cas_word(ok); if :: ok -> took_word(); goto owned :: else -> skip fi
             fi
          :: break
          od;
          lock_b();
          if :: st[_pid] == SPINNING -> st[_pid] = SLEEPING; polled = 1 :: else -> skip fi;
          unlock_b()
       :: s == SLEEPING ->
          if :: !fenced[_pid] -> heavy_fence(); fenced[_pid] = 1 :: else -> skip fi;
#ifdef NO_LOOK
          if :: polled -> goto nap :: else -> skip fi;
#endif
          cas_word(ok);
          if :: ok -> took_word(); goto owned :: else -> skip fi;
nap:
          atomic { drain_own(); if :: st[_pid] == SLEEPING -> asleep[_pid] = 1 :: else -> skip fi; polled = 0 };
#ifdef TIMEOUTS
          if
          :: asleep[_pid] == 0 -> skip
          :: !starv[_pid] -> asleep[_pid] = 0    /* the deadline of a sleep before it starves */
          fi;
#else
          (asleep[_pid] == 0);
#endif
          if
          :: !starv[_pid] ->                       /* starved: awake a while, owed the lock */
             lock_b();
             atomic { starv[_pid] = 1; if :: st[_pid] == SLEEPING -> st[_pid] = SPINNING :: else -> skip fi };
             unlock_b()
          :: true -> skip
          fi
       fi
    od;
owned:
    atomic { nwait--; tk[_pid] = 0 };
locked:
    skip
}

active [N] proctype thread() {
    bool ok, q, polled;
    byte s, r, r2, t, i, best, iter = 0;

    do
    :: iter < ITER ->
       if :: q = 0 :: q = 1 fi;          /* ordinary or in-stack queued */
       acquire();
       in_cs++;
       assert(in_cs == 1);               /* mutual exclusion */
       assert(word == 1);                /* held: the word says so */
       if
       :: store_word(1)                  /* the holder rewrites it (copy out and back) */
       :: skip
       fi;
       assert(word == 1 || (sb[_pid] && sbv[_pid] == 1));
       in_cs--;
       release();
       iter++
    :: else -> break
    od
}

/* The memory system: a buffered store drains at any moment. */
active proctype memory() {
end:
    do
    :: atomic { sb[0] -> word = sbv[0]; sb[0] = 0 }
    :: atomic { sb[1] -> word = sbv[1]; sb[1] = 0 }
#if N > 2
    :: atomic { sb[2] -> word = sbv[2]; sb[2] = 0 }
#endif
    od
}
