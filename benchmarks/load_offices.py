"""Load test: provincial offices importing into the central PostgreSQL database at once.

    python benchmarks/load_offices.py                      # 76 offices x 200 needs, 60 s cap
    python benchmarks/load_offices.py --offices 8 --rows 50 --json out.json   # the CI size
    python benchmarks/load_offices.py --url postgresql://oneplan_owner:…@127.0.0.1:55432/oneplan

Loopback only, bounded in count (``--offices``, ``--rows``, ``--stages``) and in time
(``--timeout`` per command, ``--cap`` for the whole run). Without ``--url`` a server of its
own is started with ``scripts/pg-server.sh`` in a temporary folder and stopped after.

What it does, with the real commands a province office would run:

1. makes a fresh database on the server (``oneplan db init``) and copies a small
   synthetic sample into it (``oneplan db copy``: areas for all 76 provinces);
2. creates one office account per province (``oneplan.data.pgrights.grant``) and writes
   each office a needs file of ``--rows`` rows in its own villages, and a committee-stage
   file moving ``--stages`` of them on;
3. starts every office at once (or ``--concurrency`` at a time), each as its own process
   under its own account:
   ``oneplan import NEEDS --db <its URL>`` then ``oneplan import STAGES``; meanwhile a
   reader (the batch's read path: a read-only workspace of the central role, then
   ``content_digests``) reads the whole database in a loop;
4. checks, as the owner: every office's rows are all there (nothing lost), every need's
   village is in the office's own province (no rows interleaved across provinces),
   every stage change landed, one audit row per file under the office's account; and
   counts the commands that had to retry (deadlock / serialization) and any that failed;
5. for the baseline, imports the same files one after another into an embedded DuckDB
   file (the single-writer rate).

Prints rows/s (server, all offices; embedded, single writer), command latency p50/p95,
the reader's loops and the checks. ``--json`` writes the figures for tests/test_pg_load.py.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEEDS_HEADER = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ",
                "รายละเอียดความต้องการ", "จำนวนครัวเรือนที่ได้รับประโยชน์",
                "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]
STAGES_HEADER = ["รหัสความต้องการ", "ขั้นตอนการพิจารณา", "วันที่พิจารณา", "เหตุผล/หมายเหตุ",
                 "รวมกับความต้องการรหัส"]
FISCAL_YEAR = 2570


def oneplan(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real ``oneplan`` command (this interpreter's package)."""
    return subprocess.run([sys.executable, "-m", "oneplan.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def start_server(folder: Path) -> tuple[str, dict]:
    """Start a server of this run in ``folder``; returns its owner URL (postgres db) and env."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    env = dict(os.environ, ONEPLAN_PG_DIR=str(folder / "cluster"), ONEPLAN_PG_PORT=str(port),
               ONEPLAN_PG_DATABASE="postgres")
    run = subprocess.run(["sh", str(ROOT / "scripts" / "pg-server.sh"), "start"], env=env,
                         capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        raise SystemExit(f"cannot start PostgreSQL: {run.stderr.strip()[-400:]}")
    return run.stdout.strip().splitlines()[-1], env


def stop_server(env: dict) -> None:
    """Stop the server :func:`start_server` started."""
    subprocess.run(["sh", str(ROOT / "scripts" / "pg-server.sh"), "stop"], env=env,
                   capture_output=True, timeout=120)


def with_database(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    return url.rsplit("/", 1)[0] + "/" + name


def with_account(url: str, user: str, password: str) -> str:
    """``url`` with its user and password replaced."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{user}:{password}@{rest.split('@', 1)[1]}"


def villages(owner_url: str) -> dict[str, list[str]]:
    """Village codes per province, from the server's areas."""
    import psycopg

    out: dict[str, list[str]] = {}
    with psycopg.connect(owner_url) as con:
        for prov, code in con.execute("SELECT province_code, code FROM areas "
                                      "WHERE level = 'village' ORDER BY code"):
            out.setdefault(prov, []).append(code)
    return out


def write_files(folder: Path, province: str, codes: list[str], rows: int,
                stages: int) -> tuple[Path, Path, list[str]]:
    """An office's needs file and stage file (synthetic); returns them and the need ids."""
    needs = folder / f"needs-{province}.csv"
    ids = []
    with needs.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(NEEDS_HEADER)
        for i in range(rows):
            village = codes[i % len(codes)]
            item = i + 1
            w.writerow([item, FISCAL_YEAR, village, "แหล่งน้ำและประปา",
                        f"ข้อมูลสังเคราะห์: ขุดลอกแหล่งน้ำ รายการที่ {item}", 40 + i % 90,
                        f"{250_000 + 1_000 * i:,}", "15/03/2569"])
            ids.append(f"{FISCAL_YEAR}-{village}-{item:03d}")
    stage_file = folder / f"stages-{province}.csv"
    with stage_file.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(STAGES_HEADER)
        for need in ids[:stages]:
            w.writerow([need, "tambon_screened", "10/04/2569", "", ""])
    return needs, stage_file, ids


def office_run(url: str, province: str, needs: Path, stages: Path, timeout: float) -> dict:
    """One office: import its needs, then its stages; the latency of each command."""
    out = {"province": province, "commands": []}
    for kind, path in (("needs", needs), ("need_stages", stages)):
        t0 = time.perf_counter()
        run = oneplan("import", str(path), "--kind", kind, "--province", province,
                      "--db", url, "--rejects", str(path.parent / "rejects"), timeout=timeout)
        out["commands"].append({"kind": kind, "seconds": time.perf_counter() - t0,
                                "code": run.returncode,
                                "retried": ("retry" in run.stderr.lower()
                                            or "ลองใหม่" in run.stderr),
                                "stderr": run.stderr.strip()[-300:]})
    return out


def reader_loop(url: str, stop: threading.Event, result: dict) -> None:
    """The batch's read path, in a loop, until ``stop``: a read-only workspace, digests."""
    loops, errors = 0, []
    code = ("import sys; from oneplan.data import db; con = db.connect(sys.argv[1], "
            "read_only=True); d = db.content_digests(con); "
            "print(con.execute('SELECT count(*) FROM needs').fetchone()[0]); con.close()")
    while not stop.is_set():
        run = subprocess.run([sys.executable, "-c", code, url], capture_output=True,
                             text=True, timeout=300)
        loops += 1
        if run.returncode != 0:
            errors.append(run.stderr.strip()[-300:])
    result.update(loops=loops, errors=errors)


def check(owner_url: str, expected: dict[str, list[str]], stages: int,
          accounts: dict[str, str]) -> dict:
    """As the owner: nothing lost, no row in another province, stages and audit rows."""
    import psycopg

    lost, foreign, stage_missing, audit_missing = 0, 0, 0, 0
    with psycopg.connect(owner_url) as con:
        for prov, ids in expected.items():
            have = {r[0]: r[1] for r in con.execute(
                "SELECT need_id, province_code FROM needs WHERE need_id = ANY(%s)", [ids])}
            lost += sum(1 for i in ids if i not in have)
            foreign += sum(1 for p in have.values() if p != prov)
            foreign += con.execute(
                "SELECT count(*) FROM needs n JOIN areas a ON a.code = n.village_code "
                "WHERE n.need_id = ANY(%s) AND a.province_code <> %s", [ids, prov]
            ).fetchone()[0]
            staged = con.execute(
                "SELECT count(*) FROM need_stages WHERE need_id = ANY(%s) "
                "AND stage = 'tambon_screened'", [ids[:stages]]).fetchone()[0]
            stage_missing += len(ids[:stages]) - staged
            audited = con.execute(
                "SELECT count(*) FROM audit_log WHERE actor = %s AND action = 'import'",
                [accounts[prov]]).fetchone()[0]
            audit_missing += max(0, 2 - audited)
    return {"lost_rows": lost, "rows_in_wrong_province": foreign,
            "stage_changes_missing": stage_missing, "audit_rows_missing": audit_missing}


def embedded_baseline(sample: Path, files: list[tuple[str, Path, Path]], work: Path,
                      timeout: float) -> dict:
    """The same files imported one after another into a copy of the embedded sample."""
    import shutil

    target = work / "baseline.duckdb"
    shutil.copy(sample, target)
    t0 = time.perf_counter()
    for prov, needs, stages in files:
        for kind, path in (("needs", needs), ("need_stages", stages)):
            run = oneplan("import", str(path), "--kind", kind, "--province", prov,
                          "--db", str(target), "--rejects", str(work / "rejects-base"),
                          timeout=timeout)
            if run.returncode not in (0, 1):
                raise SystemExit(f"baseline import failed: {run.stderr.strip()[-300:]}")
    return {"seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> dict:
    """Run the load test; print the figures; return them."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="owner URL of a running server (default: start one)")
    ap.add_argument("--offices", type=int, default=76)
    ap.add_argument("--rows", type=int, default=200, help="needs per office file")
    ap.add_argument("--stages", type=int, default=20, help="stage changes per office")
    ap.add_argument("--concurrency", type=int, default=0,
                    help="offices working at the same moment (default: all of them)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per command")
    ap.add_argument("--cap", type=float, default=1800, help="seconds for the whole run")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--sample", help="an embedded sample database holding the offices' "
                                     "provinces (default: build one of them)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args(argv)
    if args.offices < 1 or args.offices > 76 or args.rows < 1 or args.stages > args.rows:
        ap.error("--offices 1..76, --rows ≥ 1, --stages ≤ --rows")

    from oneplan.core import areas
    from oneplan.data import pgrights
    from oneplan.samples import build

    work = Path(tempfile.mkdtemp(prefix="oneplan-load-"))
    os.chmod(work, 0o755)  # as root the server runs as `postgres`, which must enter it
    server_env = None
    base_url, owner = args.url, None
    if not base_url:
        base_url, server_env = start_server(work / "pg")
    try:
        owner = with_database(base_url, "load_" + uuid.uuid4().hex[:8])
        import psycopg

        with psycopg.connect(with_database(base_url, "postgres"), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{owner.rsplit("/", 1)[1]}"')
        provinces = [p.code for p in areas.planning_provinces()][:args.offices]
        if args.sample:
            sample = Path(args.sample)
        else:
            sample = work / "sample.duckdb"   # the offices' villages are in their sample
            t_build = time.perf_counter()
            build.build_sample(sample, provinces=provinces)
            print(f"sample of {len(provinces)} provinces built in "
                  f"{time.perf_counter() - t_build:.0f} s", flush=True)
        t_copy = time.perf_counter()
        for cmd in (("db", "init", "--db", owner), ("db", "copy", str(sample), owner)):
            run = oneplan(*cmd, timeout=args.timeout)
            if run.returncode != 0:
                raise SystemExit(f"{' '.join(cmd[:2])} failed: {run.stderr.strip()[-400:]}")
        print(f"server database made and filled in {time.perf_counter() - t_copy:.0f} s",
              flush=True)
        by_province = villages(owner)
        files, urls, accounts, expected = [], {}, {}, {}
        for prov in provinces:
            user = f"office_{prov}_{uuid.uuid4().hex[:4]}"
            password = pgrights.grant(owner, user=user, role="office", province=prov)
            urls[prov] = with_account(owner, user, password)
            accounts[prov] = user
            needs, stages, ids = write_files(work, prov, by_province[prov], args.rows,
                                             args.stages)
            files.append((prov, needs, stages))
            expected[prov] = ids
        central_user = f"central_{uuid.uuid4().hex[:4]}"
        central = with_account(owner, central_user,
                               pgrights.grant(owner, user=central_user, role="central"))

        stop, reader = threading.Event(), {}
        thread = threading.Thread(target=reader_loop, args=(central, stop, reader))
        thread.start()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency or len(files)) as pool:
            futures = [pool.submit(office_run, urls[p], p, n, s, args.timeout)
                       for p, n, s in files]
            results = [f.result(timeout=args.cap) for f in futures]
        wall = time.perf_counter() - t0
        stop.set()
        thread.join(timeout=args.timeout)
        commands = [c for r in results for c in r["commands"]]
        latencies = sorted(c["seconds"] for c in commands)
        failed = [c for c in commands if c["code"] not in (0, 1)]
        rows = args.offices * (args.rows + args.stages)
        figures = {
            "offices": args.offices, "rows_per_office": args.rows,
            "stage_changes_per_office": args.stages, "rows": rows,
            "wall_s": round(wall, 2), "rows_per_s": round(rows / wall, 1),
            "latency_p50_s": round(statistics.median(latencies), 2),
            "latency_p95_s": round(latencies[max(0, int(0.95 * len(latencies)) - 1)], 2),
            "commands": len(commands), "failed": len(failed),
            "failures": [c["stderr"] for c in failed][:5],
            "retried": sum(c["retried"] for c in commands),
            "reader_loops": reader.get("loops", 0), "reader_errors": reader.get("errors", []),
            **check(owner, expected, args.stages, accounts),
        }
        if not args.no_baseline:
            base = embedded_baseline(sample, files, work, args.timeout)
            figures["embedded_single_writer_s"] = round(base["seconds"], 2)
            figures["embedded_rows_per_s"] = round(rows / base["seconds"], 1)
            figures["ratio_server_vs_embedded"] = round(
                figures["rows_per_s"] / figures["embedded_rows_per_s"], 2)
    finally:
        if server_env:
            stop_server(server_env)
        elif owner:  # a server of the caller's: leave no database of this run behind
            import psycopg

            with psycopg.connect(with_database(base_url, "postgres"),
                                 autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{owner.rsplit("/", 1)[1]}" '
                            "WITH (FORCE)")
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    at_once = args.concurrency or args.offices
    print(f"load test ({at_once} offices at a time): {figures['offices']} offices x ({args.rows} needs + {args.stages} "
          f"stage changes) = {rows:,} rows in {figures['wall_s']} s "
          f"-> {figures['rows_per_s']} rows/s; command latency p50 "
          f"{figures['latency_p50_s']} s, p95 {figures['latency_p95_s']} s; "
          f"{figures['failed']} failed, {figures['retried']} retried; reader loops "
          f"{figures['reader_loops']} ({len(figures['reader_errors'])} errors)")
    print(f"checks: lost {figures['lost_rows']}, in another province "
          f"{figures['rows_in_wrong_province']}, stage changes missing "
          f"{figures['stage_changes_missing']}, audit rows missing "
          f"{figures['audit_rows_missing']}")
    if "embedded_rows_per_s" in figures:
        print(f"embedded single writer: {figures['embedded_single_writer_s']} s -> "
              f"{figures['embedded_rows_per_s']} rows/s; server ÷ embedded = "
              f"{figures['ratio_server_vs_embedded']}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
