"""Times GET requests to weftd's web UI: for each path, N requests on a
fresh connection each (the server closes after every reply), the time
from connect to the last byte of the reply. Prints median, p90 and the
reply size per path. usage: web_time.py HOST:PORT N PATH..."""
import http.client
import statistics
import sys
import time

host, port = sys.argv[1].rsplit(":", 1)
n = int(sys.argv[2])
for path in sys.argv[3:]:
    ts = []
    size = 0
    for _ in range(n):
        t0 = time.perf_counter()
        c = http.client.HTTPConnection(host, int(port), timeout=30)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        t1 = time.perf_counter()
        c.close()
        if r.status != 200:
            sys.exit("%s: HTTP %d" % (path, r.status))
        size = len(body)
        ts.append((t1 - t0) * 1000)
    ts.sort()
    print("%-34s median %7.2f ms  p90 %7.2f ms  %8d bytes" %
          (path[:34], statistics.median(ts), ts[int(len(ts) * 0.9) - 1], size))
