"""Generates node-exporter-shaped samples and COPYs them into an observe.metrics-shaped table.

Series per instance are those of prometheus-node-exporter 1.5 that the node dashboard reads,
plus the scrape worker's own series (up, scrape_*), with job="node". Counters grow by realistic,
noisy increments (CPU seconds per mode add up to the wall time per CPU); gauges wander. One
sample per series every `step` seconds, ending at `end` (a whole multiple of step).

  gen_node_data.py --dsn DSN [--instances N | --series N] [--hours 6] [--step 15] [--table T]
prints "series=<n> rows=<n> start=<iso> end=<iso>".
"""
import argparse
import datetime as dt
import io
import json
import math
import random
import time

import psycopg2

MODES = {'idle': 0.80, 'user': 0.10, 'system': 0.05, 'iowait': 0.02, 'nice': 0.01,
         'irq': 0.005, 'softirq': 0.01, 'steal': 0.005}
CPUS = 4
DISKS = ['vda', 'vdb']
FILESYSTEMS = [('/dev/vda1', 'ext4', '/', 40e9), ('/dev/vda15', 'vfat', '/boot/efi', 0.5e9),
               ('tmpfs', 'tmpfs', '/run', 0.8e9)]
NICS = ['eth0', 'lo']
MEM_TOTAL = 8 * 2**30


def series_of(instance):
    """(name, labels) of one instance's series, in a fixed order."""
    base = {'job': 'node', 'instance': instance}
    out = []
    for cpu in range(CPUS):
        for mode in MODES:
            out.append(('node_cpu_seconds_total', dict(base, cpu=str(cpu), mode=mode)))
    for n in ('node_load1', 'node_load5', 'node_load15', 'node_boot_time_seconds'):
        out.append((n, base))
    for m in ('MemTotal', 'MemAvailable', 'MemFree', 'Buffers', 'Cached'):
        out.append(('node_memory_%s_bytes' % m, base))
    for d in DISKS:
        for n in ('read_bytes_total', 'written_bytes_total', 'io_time_seconds_total'):
            out.append(('node_disk_' + n, dict(base, device=d)))
    for dev, fstype, mnt, _ in FILESYSTEMS:
        for n in ('avail_bytes', 'size_bytes'):
            out.append(('node_filesystem_' + n, dict(base, device=dev, fstype=fstype, mountpoint=mnt)))
    for nic in NICS:
        for n in ('receive_bytes_total', 'transmit_bytes_total'):
            out.append(('node_network_' + n, dict(base, device=nic)))
    out.append(('node_uname_info', dict(base, domainname='(none)', machine='x86_64',
                                        nodename=instance.split(':')[0], release='6.1.0-13-amd64',
                                        sysname='Linux', version='#1 SMP Debian 6.1.55-1')))
    for n in ('up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added'):
        out.append((n, base))
    return out


def instance_rows(instance, times, step, rnd):
    """Yields (t, name, labels_json, value) for every series of one instance."""
    series = series_of(instance)
    n_samples = len(series) - 4  # what the scrape delivers besides the scrape_* series
    boot = times[0] - rnd.uniform(1, 30) * 86400
    cpu = {}
    for i, (name, labels) in enumerate(series):
        lj = json.dumps(labels, sort_keys=True)
        value = 0.0
        for k, t in enumerate(times):
            phase = 2 * math.pi * k / 240.0  # one-hour cycle at 15 s
            if name == 'node_cpu_seconds_total':
                key = labels['cpu']
                if k == 0:
                    cpu[(key, labels['mode'])] = (t - boot) * MODES[labels['mode']]
                busy = 1.0 + 0.6 * math.sin(phase + int(key))
                share = MODES[labels['mode']] * (busy if labels['mode'] != 'idle' else 1.0)
                if labels['mode'] == 'idle':
                    share = 1.0 - sum(MODES[m] * busy for m in MODES if m != 'idle')
                cpu[(key, labels['mode'])] += step * max(share * rnd.uniform(0.9, 1.1), 0.0)
                value = cpu[(key, labels['mode'])]
            elif name.startswith('node_load'):
                value = max(0.0, 1.5 + math.sin(phase) + rnd.uniform(-0.2, 0.2))
            elif name == 'node_boot_time_seconds':
                value = float(int(boot))
            elif name == 'node_memory_MemTotal_bytes':
                value = float(MEM_TOTAL)
            elif name.startswith('node_memory_'):
                frac = {'MemAvailable': 0.6, 'MemFree': 0.3, 'Buffers': 0.02, 'Cached': 0.25}[name[12:-6]]
                value = float(int(MEM_TOTAL * frac * (1 + 0.1 * math.sin(phase))))
            elif name.startswith('node_disk_'):
                inc = step * {'read_bytes_total': 2e6, 'written_bytes_total': 5e6,
                              'io_time_seconds_total': 0.05}[name[10:]] * rnd.uniform(0.2, 1.8)
                value = value + inc if k else rnd.uniform(1e9, 1e11) * (1e-9 if 'io_time' in name else 1)
                if 'bytes' in name:
                    value = float(int(value))
            elif name == 'node_filesystem_size_bytes':
                value = next(f[3] for f in FILESYSTEMS if f[2] == labels['mountpoint'])
            elif name == 'node_filesystem_avail_bytes':
                size = next(f[3] for f in FILESYSTEMS if f[2] == labels['mountpoint'])
                value = float(int(size * (0.7 - 0.1 * k / len(times))))
            elif name.startswith('node_network_'):
                rate = 1e3 if labels['device'] == 'lo' else 3e5
                value = (value + step * rate * rnd.uniform(0.5, 1.5)) if k else rnd.uniform(1e8, 1e10)
                value = float(int(value))
            elif name == 'node_uname_info' or name == 'up':
                value = 1.0
            elif name == 'scrape_duration_seconds':
                value = rnd.uniform(0.01, 0.05)
            elif name == 'scrape_samples_scraped':
                value = float(n_samples)
            elif name == 'scrape_series_added':
                value = float(n_samples if k == 0 else 0)
            yield t, name, lj, value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--table', default='observe.metrics')
    ap.add_argument('--instances', type=int)
    ap.add_argument('--series', type=int, help='about this many series (whole instances)')
    ap.add_argument('--hours', type=float, default=6)
    ap.add_argument('--step', type=int, default=15)
    ap.add_argument('--end', type=float, help='unix seconds; default now')
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    per_instance = len(series_of('x:1'))
    n_inst = a.instances or max(1, round((a.series or per_instance) / per_instance))
    end = int((a.end or time.time()) // a.step * a.step)
    times = list(range(end - int(a.hours * 3600) + a.step, end + 1, a.step))
    rnd = random.Random(a.seed)
    conn = psycopg2.connect(a.dsn)
    rows = 0
    with conn, conn.cursor() as cur:
        for i in range(n_inst):
            instance = '127.0.0.1:9100' if i == 0 else '10.0.%d.%d:9100' % (i // 250, i % 250 + 1)
            buf = io.StringIO()
            for t, name, lj, value in instance_rows(instance, times, a.step, rnd):
                ts = dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat()
                buf.write('%s\t%s\t%s\t%r\n' % (ts, name, lj.replace('\\', '\\\\'), value))
                rows += 1
            buf.seek(0)
            cur.copy_expert('COPY %s (time, name, labels, value) FROM STDIN' % a.table, buf)
    conn.close()
    iso = lambda t: dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat()
    print('series=%d rows=%d start=%s end=%s' % (n_inst * per_instance, rows, iso(times[0]), iso(end)))


if __name__ == '__main__':
    main()
