#!/usr/bin/python3
"""A scrape target for tests: serves the edge cases of the text format, then changes its
series, then fails, on a fixed timeline. Listens on 127.0.0.1 only; stops by itself.

    fixture_target.py PORT PHASE_SECONDS   (phase A, then B, then C = HTTP 503, then exit)
"""
import sys
import time

import loopback_http

PHASE_A = r'''# HELP fx_requests_total Requests, with "quotes" and \\ backslash and \n newline.
# TYPE fx_requests_total counter
fx_requests_total{method="GET",path="/a\"b\\c\nd"} 1027
fx_requests_total{method="POST",path="/"} 3
# TYPE fx_temp gauge
fx_temp NaN
fx_pos_inf +Inf
fx_neg_inf -Inf
fx_small 1.5e-10
fx_big -1.7976931348623157e+308
# TYPE fx_latency histogram
fx_latency_bucket{le="0.1"} 1
fx_latency_bucket{le="1"} 3
fx_latency_bucket{le="+Inf"} 4
fx_latency_sum 2.5
fx_latency_count 4
# TYPE fx_rpc summary
fx_rpc{quantile="0.5"} 0.2
fx_rpc{quantile="0.99"} 1.1
fx_rpc_sum 10
fx_rpc_count 20
fx_clash{job="theirs",instance="elsewhere"} 7
fx_empty_label{a="",b="x"} 1
'''

# B: fx_temp and the summary go away, fx_new appears, values change.
PHASE_B = r'''# TYPE fx_requests_total counter
fx_requests_total{method="GET",path="/a\"b\\c\nd"} 1100
fx_requests_total{method="POST",path="/"} 5
fx_pos_inf +Inf
fx_neg_inf -Inf
fx_small 2.5e-10
fx_big -1.7976931348623157e+308
# TYPE fx_latency histogram
fx_latency_bucket{le="0.1"} 2
fx_latency_bucket{le="1"} 5
fx_latency_bucket{le="+Inf"} 6
fx_latency_sum 3.5
fx_latency_count 6
fx_clash{job="theirs",instance="elsewhere"} 8
fx_empty_label{a="",b="x"} 2
fx_new 42
'''


def main():
    port, phase_seconds = int(sys.argv[1]), float(sys.argv[2])
    started = time.time()

    class Handler(loopback_http.Handler):
        def do_GET(self):
            elapsed = time.time() - started
            if elapsed < phase_seconds:
                body, status = PHASE_A, 200
            elif elapsed < 2 * phase_seconds:
                body, status = PHASE_B, 200
            else:
                body, status = "gone\n", 503
            self.reply(body, status)

    loopback_http.serve_for(Handler, port, 3 * phase_seconds + 5)


if __name__ == "__main__":
    main()
