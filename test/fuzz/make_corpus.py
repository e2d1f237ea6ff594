#!/usr/bin/env python3
"""Writes the seed corpora of the fuzzers to corpus/<target>/ (one file a seed).

Exposition seeds cover every construct of both grammars: metadata, escapes, special values,
timestamps, exemplars, histograms, summaries, _created, EOF rules, and near-misses of each.
PromQL seeds cover selectors, modifiers, subqueries, operators, aggregations and functions;
label seeds are series descriptions and matchers (op byte, name, NUL, value)."""
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

TEXT = [
    "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
    "# TYPE node_cpu_seconds_total counter\n"
    'node_cpu_seconds_total{cpu="0",mode="idle"} 2.5e+06\n'
    'node_cpu_seconds_total{cpu="0",mode="user"} 12.5\n'
    "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 8\n",
    "# TYPE h histogram\n"
    'h_bucket{le="0.1"} 1\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\nh_sum 1.5\nh_count 3\n',
    '# TYPE s summary\ns{quantile="0.5"} 1\ns{quantile="0.99"} NaN\ns_sum 3\ns_count 2\n',
    'a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf -infinity\ng 1e-3\nh .5\ni 1.\nj +3\n',
    "a 1 1700000000123\nb 2 0\nc 3 9223372036854775807\n",
    'a{path="C:\\\\dir",msg="say \\"hi\\"",nl="x\\ny",other="\\t\\q"} 1\n',
    "# HELP a back\\\\slash new\\nline\n# HELP b\n# HELP c   \n",
    '\n   \t\n# comment\n#x\n  a  {  x = "1" , y="2" ,  }   3   4  \n\tb{}5\nc{x="1" y="2"} 6\nd 7',
    'a{x="one\ntwo"} 1\n',
    'a{x="1",x="2"} 1\n',
    'a{__name__="b"} 1\n',
    "a 1e999\nb 0x10\nc 1_000\n",
    "# TYPE a info\n",
    'a{x="\xc3\xa9t\xc3\xa9"} 1\n',
    "ns:sub_metric_1{_l0=\"a\",L_1=\"b\"} 1\n",
    "a{x=\"1\"",
    "a 1 -5\n",
    "a 1 2 3\n",
]

OPENMETRICS = [
    "# TYPE http_requests counter\n# UNIT http_requests \n"
    "# HELP http_requests Requests \\\"served\\\" \\\\ \\n done.\n"
    'http_requests_total{code="200"} 1027 1700000000.5\n'
    'http_requests_created{code="200"} 1600000000\n'
    "# TYPE latency_seconds histogram\n# UNIT latency_seconds seconds\n"
    'latency_seconds_bucket{le="0.5"} 3 # {trace_id="abc"} 0.3 1700000000.1\n'
    'latency_seconds_bucket{le="+Inf"} 4 # {} 7\n'
    "latency_seconds_sum 2.5\nlatency_seconds_count 4\n"
    '# TYPE build info\nbuild_info{version="1.0"} 1\n'
    '# TYPE state stateset\nstate{state="a"} 1\n'
    '# TYPE gh gaugehistogram\ngh_bucket{le="+Inf"} 1\ngh_gcount 1\ngh_gsum 1\n# EOF\n',
    'go_gc_duration_seconds{instance="127.0.0.1:19090",job="prometheus",quantile="0"} 5.6065e-05 1795544215.509\n'
    'up{instance="127.0.0.1:19100",job="node"} 1 1795549231.122\n# EOF\n',
    "a 1\n# EOF",
    "a 1\n",
    "a 1\n# EOF\nb 1\n",
    "a 1\n\nb 1\n# EOF\n",
    "# a comment\n# EOF\n",
    "a  1\n# EOF\n",
    'a{x="1" , y="2"} 1\n# EOF\n',
    "# UNIT a_seconds bytes\n# EOF\n",
    "a 1 NaN\n# EOF\n",
    "a 1 1e300\n# EOF\n",
    'a 1 # {id="x"} 1 2 3\n# EOF\n',
    'a{} 1\nb{x="1",} 2\n# EOF\n',
    "# TYPE c counter\nc_total 1\nc_created 123.5\n# EOF\n",
    "# EOF\n",
    "",
]


PROMQL = [
    'up', 'up{job="api",instance=~"h.*",x!="1",y!~"a|b"}', '{__name__=~"m.+"}', '{"utf8.name"="v"}',
    'rate(m[5m])', 'sum by (job) (rate(n_total[1m] offset 1m))', 'm @ 300 offset -1m', 'm @ start()',
    'max_over_time(m[10m:30s])', 'm[5m:]', 'm[step()*2:step()]', 'topk(2, m) by (job)',
    'count_values("v", m)', 'quantile(0.9, m)', 'histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))',
    'label_replace(m, "dst", "$1", "job", "(.*)")', 'label_join(m, "d", ",", "job", "src")',
    'm / on(job) group_left(src) n_total', 'm > bool 3', 'm and n_total or m unless m', '-m ^ 2 % 3',
    'absent(nope)', 'vector(1) + scalar(m)', 'time() - timestamp(m)', 'sort_desc(m)',
    'predict_linear(m[5m], 60)', 'clamp(m, 0, 1)', '"str"', "'single'", '`raw`', '1e3 + 0x1f + .5',
    'm # comment\n + 1', '"\\xff\\u00e9\\U0001F600\\377"', 'm{job="\\xff"}', 'm[1y2w3d4h5m6s7ms]',
    'limitk(1, m)', 'm offset (1m + 2m)', 'sum(m) without (job)', '((((m))))',
]

LABELS = [
    'up', 'up{job="api"}', '{__name__="up",job="a"}', 'm{a="1",b="2",}', 'm{a="x\\"y"}',
    'm{"utf8.name"="v"}', 'm{a="\\xff"}', '\x00job\x00api', '\x02job\x00a.*b', '\x03x\x00(',
    '\x01le\x00+Inf',
]


def write(target, seeds):
    out = os.path.join(CORPUS, target)
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        os.remove(os.path.join(out, old))
    for seed in seeds:
        data = seed.encode("latin-1") if any(ord(c) > 127 for c in seed) else seed.encode()
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {out}")


def main():
    write("exposition", TEXT + OPENMETRICS)
    write("promql", PROMQL)
    write("labels", LABELS)


if __name__ == "__main__":
    main()
