#!/usr/bin/env python3
"""Writes the seed corpus of the exposition fuzzer to corpus/exposition/ (one file a seed).

Seeds cover every construct of both grammars: metadata, escapes, special values, timestamps,
exemplars, histograms, summaries, _created, EOF rules, and near-misses of each."""
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "exposition")

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


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    for seed in TEXT + OPENMETRICS:
        data = seed.encode("latin-1") if any(ord(c) > 127 for c in seed) else seed.encode()
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"{len(TEXT) + len(OPENMETRICS)} seeds in {OUT}")


if __name__ == "__main__":
    main()
