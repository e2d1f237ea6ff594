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


# ingest_fuzz: a selector byte (decoder, see ingest_fuzz.cpp) then the payload.
def _varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def _field(num, payload):
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def _int(num, v):
    return _varint(num << 3) + _varint(v & 0xFFFFFFFFFFFFFFFF)


def _snappy_literal(data):
    # A snappy block of literals only (format_description.txt: literal tags 60/61).
    out = bytearray(_varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2, n & 0xFF, n >> 8])
        out += chunk
    return bytes(out)


def _ingest_seeds():
    import gzip
    import struct
    loki_json = [
        b'{"streams":[{"stream":{"job":"nginx","env":"prod"},"values":[["1796520833000000001","GET / 200"],'
        b'["1796520833000000002","a \\"q\\" \\u00e9",{"trace_id":"abc"}]]},{"values":[["5","x"]],"stream":{"job":"pg"}}]}',
        b'{"streams":[{"stream":{"a":"b"},"values":[["-1","x"],["9223372036854775807","y"]]}]}',
        b'{"streams":[{"stream":{},"values":[]},{"stream":{"a":""},"values":[["1","x"]]}]}',
        b'{"streams":null}',
    ]
    entry = _field(1, _int(1, 1796520833) + _int(2, 7)) + _field(2, b"GET / 200") + _field(3, _field(1, b"k") + _field(2, b"v"))
    loki_proto = _field(1, _field(1, b'{job="nginx", env="prod"}') + _field(2, entry) + _int(3, 99))
    label = lambda n, v: _field(1, _field(1, n) + _field(2, v))
    sample = lambda v, t: _field(2, bytes([0x09]) + struct.pack("<d", v) + _int(2, t))
    rw = (_field(1, label(b"__name__", b"up") + label(b"job", b"node") + sample(1.0, 1000) + sample(float("nan"), 2000))
          + _field(1, label(b"__name__", b"h") + _field(4, _int(1, 3)))
          + _field(3, _int(1, 1) + _field(2, b"up") + _field(4, b"help")))
    seeds = [bytes([0]) + j for j in loki_json] + [bytes([0x80]) + loki_json[2]]
    seeds += [bytes([1]) + loki_proto, bytes([0x81]) + loki_proto, bytes([2]) + rw, bytes([0x82]) + rw]
    text = b"level=info msg=hello\n" * 20
    seeds += [bytes([3]) + gzip.compress(text), bytes([0x13]) + gzip.compress(text)[10:-8], bytes([0x23]) + _snappy_literal(text)]
    seeds += [bytes([4]) + b'{"ts":"2026-12-06T01:33:53.5Z","msg":"hello","level":"info","k":{"app":"shop"},"tags":{"z":"a","n":3},"trace":"t"}',
              bytes([0x64]) + b'{"ts":1796520833000,"msg":"x"}',
              bytes([5]) + b'ts=2026-12-06T01:33:53Z level=info msg="a \\"q\\" \\u00e9" k.app=x flag',
              bytes([6]) + b'{"timestamp":"2026-12-06T01:33:53Z","value":"0.25","name":"up","labels":{"__name__":"up","job":"node"}}',
              bytes([7]) + b'# TYPE up gauge\nup{job="a"} 1\nup{job="b"} 2 1700000000000\n',
              bytes([0x17]) + b'# TYPE up gauge\nup{job="a"} 1 1700000000.5\n# EOF\n',
              bytes([0x18]) + loki_json[0], bytes([0x28]) + gzip.compress(_snappy_literal(loki_proto))]
    return seeds


def write(target, seeds):
    out = os.path.join(CORPUS, target)
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        os.remove(os.path.join(out, old))
    for seed in seeds:
        if isinstance(seed, bytes):
            data = seed
        else:
            data = seed.encode("latin-1") if any(ord(c) > 127 for c in seed) else seed.encode()
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {out}")


def main():
    write("exposition", TEXT + OPENMETRICS)
    write("promql", PROMQL)
    write("labels", LABELS)
    write("ingest", _ingest_seeds())


if __name__ == "__main__":
    main()
