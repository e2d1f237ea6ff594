#!/usr/bin/python3
"""Series garbage collection at scale: how long removing N unused series takes, and how long a
writer of the same table waits meanwhile (GC's ShareLock).

    series_gc.py N [slices|worker|rescan]   (libpq's PG* environment: a server with pg_observe, as superuser)

Creates the observe_ts table gcb, N series at 2020-01-01 whose chunks drop_chunks then drops,
and runs observe.compact('gcb') until no series of them is left, while another connection
takes the table's RowExclusiveLock (as an INSERT does) every 10 ms and times each wait. Prints, per
compaction, its wall and backend CPU seconds, the series removed and GC's own report (DEBUG1:
time under the lock before commit, where the build has it); then the totals and the writer's
longest and 99th-percentile lock wait. With `slices`, only the first call is a compaction; the
next are observe.series_gc (GC alone, the next slice of the kept scan), as the maintenance
worker runs them after a compaction; `worker` the same with the worker's 100 ms pause between
two slices (maintenance_worker.cpp, series_gc_slices). With `rescan`, each compaction runs in a new connection:
its process has no kept scan, so GC scans every chunk row each time (the behaviour before the
scan was kept, for an A/B with one build)."""
import os
import sys
import threading
import time

import psycopg2


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    n = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "compact"
    slices, rescan, pause = mode in ("slices", "worker"), mode == "rescan", 0.1 if mode == "worker" else 0
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_observe")
    cur.execute("DROP TABLE IF EXISTS gcb")
    cur.execute("CREATE TABLE gcb (time timestamptz NOT NULL, name text, labels jsonb, value float8) USING observe_ts")
    t = time.time()
    for lo in range(1, n + 1, 100000):
        hi = min(n, lo + 99999)
        cur.execute("INSERT INTO gcb SELECT '2020-01-01', 'junk', jsonb_build_object('i', i), 1 "
                    "FROM generate_series(%s, %s) i", (lo, hi))
    cur.execute("SELECT observe.drop_chunks('gcb', '2021-01-01')")
    cur.execute("SELECT relfilenode FROM pg_class WHERE oid = 'gcb'::regclass")
    storage = cur.fetchone()[0]
    print(f"{n} series created and their chunks dropped in {time.time() - t:.1f} s")

    stop = threading.Event()
    ready = threading.Event()
    waits = []

    def writer():
        w = psycopg2.connect("")
        w.autocommit = True
        wc = w.cursor()
        wc.execute("INSERT INTO gcb VALUES (now(), 'probe', '{}', 1)")  # creates the series, loads the dictionary
        ready.set()
        while not stop.is_set():
            # The wait for the table's RowExclusiveLock alone (what GC's ShareLock delays): an
            # INSERT right after GC's commit would also time the reload of its backend's
            # dictionary (full dictionaries are dropped at the invalidation; the scrape
            # worker's is not).
            s = time.time()
            wc.execute("BEGIN; LOCK TABLE gcb IN ROW EXCLUSIVE MODE; COMMIT")
            waits.append(time.time() - s)
            time.sleep(0.01)
        w.close()

    thread = threading.Thread(target=writer)
    thread.start()
    ready.wait()
    time.sleep(0.5)
    cur.execute("SET client_min_messages = debug1")
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    total_wall = total_cpu = 0.0
    max_lock_ms = 0.0
    calls = 0
    left = n
    while left > 0 and calls < 1000:
        gc_conn, gc_cur, gc_pid = conn, cur, pid
        if rescan:
            gc_conn = psycopg2.connect("")
            gc_conn.autocommit = True
            gc_cur = gc_conn.cursor()
            gc_cur.execute("SET client_min_messages = debug1")
            gc_cur.execute("SELECT pg_backend_pid()")
            gc_pid = gc_cur.fetchone()[0]
        del gc_conn.notices[:]
        c0, t0 = cpu_seconds(gc_pid), time.time()
        fn = "observe.series_gc" if slices and calls > 0 else "observe.compact"
        gc_cur.execute(f"SELECT {fn}('gcb')")
        wall, cpu = time.time() - t0, cpu_seconds(gc_pid) - c0
        notices = list(gc_conn.notices)
        if rescan:
            gc_conn.close()
        total_wall += wall
        if pause and calls > 0:
            time.sleep(pause)
        total_cpu += cpu
        calls += 1
        cur.execute("SELECT count(*) FROM observe._ts_series WHERE storage_id = %s AND labels->>'__name__' = 'junk'",
                    (storage,))
        now_left = cur.fetchone()[0]
        report = [m.strip() for m in notices if "series GC" in m or "removed" in m]
        for m in report:
            if "ms under the lock" in m:
                max_lock_ms = max(max_lock_ms, float(m.split(" ms under the lock")[0].rsplit(" ", 1)[1]))
        print(f"{fn} {calls}: {wall:.2f} s wall, {cpu:.2f} s CPU, removed {left - now_left}, left {now_left}"
              + ("" if not report else " | " + report[-1]))
        left = now_left
    stop.set()
    thread.join()
    waits.sort()
    p99 = waits[int(len(waits) * 0.99)] if waits else 0
    print(f"total: {calls} calls, {total_wall:.1f} s wall, {total_cpu:.1f} s CPU; "
          f"longest under the lock (GC's report) {max_lock_ms:.1f} ms")
    print(f"writer: {len(waits)} lock waits, longest {waits[-1] * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    cur.execute("DROP TABLE gcb")


if __name__ == "__main__":
    main()
