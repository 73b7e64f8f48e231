#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tandemd's /metrics parsed by Prometheus' own parser (Debian's
# python3-prometheus-client): counters move with real calls through the
# CLI, histograms are consistent, records are counted by kind once (not
# on a replay), and /healthz follows the database (200, then 503 once the
# cluster is stopped).
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

BIN = os.environ["TD_TEST_BIN_DIR"]
SRC = os.environ["TD_TEST_SOURCE_DIR"]
FX = os.path.join(SRC, "tests", "fixtures")
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f" ({detail})" if detail and not ok else ""))
    if not ok:
        failures.append(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def scrape(base):
    status, ctype, text = get(base + "/metrics")
    assert status == 200, f"/metrics answered {status}"
    samples = {}
    families = {}
    for fam in text_string_to_metric_families(text):
        families[fam.name] = fam.type
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            samples[key] = s.value
    return ctype, families, samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def rpc(method):
    svc, m = method.split("/")
    return {"grpc_type": "unary", "grpc_service": "tandem.v1." + svc, "grpc_method": m}


def main():
    w = tempfile.mkdtemp(prefix="tdtest-metrics-")
    os.chmod(w, 0o755)
    pg = os.path.join(w, "pg")
    url = f"ipc://{w}/td.sock"
    base = f"http://127.0.0.1:{free_port()}"
    td = None
    try:
        conn = subprocess.run([f"{SRC}/scripts/pg", "start", pg, "auto"],
                              check=True, capture_output=True, text=True).stdout.strip()
        env = dict(os.environ, TANDEM_HMAC_KEY="metrics-test-key-0123456789abcdef")
        log = open(os.path.join(w, "td.log"), "w")
        td = subprocess.Popen([f"{BIN}/tandemd", "--db", conn, "--listen", url, "--migrate",
                               "--workers", "2", "--metrics-listen", base],
                              stdout=log, stderr=log, env=env)

        def T(*args, ok=True):
            r = subprocess.run([f"{BIN}/tandem", "--server", url, *args],
                               capture_output=True, text=True, env=env)
            if ok and r.returncode != 0:
                raise RuntimeError(f"tandem {' '.join(args)}: {r.stderr}")
            return r

        for _ in range(300):
            if T("health", ok=False).returncode == 0:
                break
            time.sleep(0.1)
        env["TANDEM_TOKEN"] = subprocess.run(
            [f"{BIN}/tandemd", "--db", conn, "--bootstrap-admin", "metrics"],
            check=True, capture_output=True, text=True, env=env).stdout.strip()

        ctype, fams, before = scrape(base)
        check("content type is the text format 0.0.4", ctype.startswith("text/plain; version=0.0.4"), ctype)
        for name, typ in [("grpc_server_started", "counter"), ("grpc_server_handled", "counter"),
                          ("grpc_server_handling_seconds", "histogram"),
                          ("grpc_server_request_size_bytes", "histogram"),
                          ("grpc_server_response_size_bytes", "histogram"),
                          ("tandem_records_ingested", "counter"), ("tandem_database_up", "gauge"),
                          ("tandem_suppressed_cells", "counter"), ("tandem_events_published", "counter")]:
            check(f"family {name} is a {typ}", fams.get(name) == typ, str(fams.get(name)))
        check("events published is 0 (no events yet)", value(before, "tandem_events_published_total") == 0)

        for _ in range(3):
            T("health")
        T("methods")
        T("define", "districts", f"{FX}/districts.csv")
        T("define", "schools", f"{FX}/schools.csv")
        T("define", "measures", f"{FX}/measures.csv")
        T("submit", "outcomes", f"{FX}/outcomes.csv")
        T("submit", "outcomes", f"{FX}/outcomes.csv")  # a replay stores nothing
        bad = subprocess.run([f"{BIN}/tandem", "--server", url, "--token", "not-a-token",
                              "list", "schools"], capture_output=True, text=True)
        check("a bad token fails", bad.returncode != 0)

        _, _, after = scrape(base)
        hc = rpc("Health/Check")
        d = lambda name, **l: value(after, name, **l) - value(before, name, **l)
        check("started counts 3 health checks", d("grpc_server_started_total", **hc) == 3,
              d("grpc_server_started_total", **hc))
        check("handled OK counts 3 health checks",
              d("grpc_server_handled_total", grpc_code="OK", **hc) == 3)
        check("handled OK counts 1 ListMethods",
              d("grpc_server_handled_total", grpc_code="OK", **rpc("Reflection/ListMethods")) == 1)
        check("handled OK counts 2 SubmitOutcomes",
              d("grpc_server_handled_total", grpc_code="OK", **rpc("Ingest/SubmitOutcomes")) == 2)
        check("handled UNAUTHENTICATED counts the bad token",
              d("grpc_server_handled_total", grpc_code="UNAUTHENTICATED",
                **rpc("Registry/ListSchools")) == 1)
        n_out = sum(1 for _ in open(f"{FX}/outcomes.csv")) - 1
        check(f"records ingested (outcomes) is {n_out}, the replay adds none",
              d("tandem_records_ingested_total", kind="outcomes") == n_out,
              d("tandem_records_ingested_total", kind="outcomes"))
        check("records ingested (survey_responses) did not move",
              d("tandem_records_ingested_total", kind="survey_responses") == 0)
        # Histograms: buckets never decrease, +Inf is the count, and the
        # count matches handled.
        cnt = value(after, "grpc_server_handling_seconds_count", **hc)
        handled = sum(value(after, "grpc_server_handled_total", grpc_code=c, **hc)
                      for c in ("OK", "UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL"))
        check("handling_seconds count equals handled", cnt == handled, f"{cnt} vs {handled}")
        les = sorted(((float(dict(k[1])["le"]), v) for k, v in after.items()
                      if k[0] == "grpc_server_handling_seconds_bucket"
                      and dict(k[1]).get("grpc_method") == "Check"), key=lambda x: x[0])
        check("buckets are cumulative", all(a[1] <= b[1] for a, b in zip(les, les[1:])))
        check("+Inf bucket equals the count", les and les[-1][0] == float("inf") and les[-1][1] == cnt)
        check("handling_seconds sum is positive",
              value(after, "grpc_server_handling_seconds_sum", **hc) > 0)
        rq = rpc("Ingest/SubmitOutcomes")
        check("request sizes: 2 outcome batches",
              d("grpc_server_request_size_bytes_count", **rq) == 2)
        check("request sizes sum is the bytes sent",
              d("grpc_server_request_size_bytes_sum", **rq) > 2 * 100)
        check("database up", value(after, "tandem_database_up") == 1)
        status, _, body = get(base + "/healthz")
        check("/healthz is 200 ok while the database answers", status == 200 and body == "ok\n",
              f"{status} {body!r}")

        subprocess.run([f"{SRC}/scripts/pg", "stop", pg, "immediate"], check=True,
                       capture_output=True)
        T("health", ok=False)
        for _ in range(100):  # idle workers notice the closed connections
            _, _, down = scrape(base)
            if value(down, "tandem_database_up") == 0:
                break
            time.sleep(0.1)
        check("database down after the cluster stopped", value(down, "tandem_database_up") == 0,
              value(down, "tandem_database_up"))
        status, _, body = get(base + "/healthz")
        check("/healthz is 503 when the database is gone", status == 503, f"{status} {body!r}")
        status, _, _ = get(base + "/nothing")
        check("other paths are 404", status == 404, status)
    finally:
        if td is not None:
            td.terminate()
            td.wait(timeout=30)
        subprocess.run([f"{SRC}/scripts/pg", "stop", pg, "immediate"], capture_output=True)
        subprocess.run(["rm", "-rf", w])
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
