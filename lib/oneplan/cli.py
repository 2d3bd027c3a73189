"""The ``oneplan`` command.

    oneplan build-sample [--db FILE]           build the central database from the sample
    oneplan provinces                          list province codes and names
    oneplan params --province 40 [--scenario]  show the resolved parameters
    oneplan select --province 40               solve one province's portfolio, print a summary
    oneplan report --province 40 --province 45 | --all [--force] [--report NAME]
    oneplan plan approve --province 40         save the optimal plan as a version (v1, …)
    oneplan plan revise --province 40 [--facts FILE.xlsx] [--months 6|12]
    oneplan plan list --province 40
    oneplan portal [--out DIR] [--fiscal-year 2570]  rewrite reports/index.html
    oneplan app [--province 40] [--port 8866]  the planner's explorer as a web app (Voilà)
    oneplan import FILE|DIR ... [--kind needs|need_stages|proposals|progress] [--rejects DIR]
                   [--province 32 | --multi-province]
    oneplan templates [--province 32] [--out DIR]  write the Excel import templates
    oneplan needs stage --need N2570-32-000001 --to tambon_screened --on 20/06/2568
    oneplan needs classify --province 32       write the params' authority / strategy rules
    oneplan needs oc4ids --province 32 --out DIR   projects as OC4IDS JSON
    oneplan complaints generate --out DIR      write synthetic feeds of the 15 agencies
    oneplan complaints import PATH [--link] [--feeds MYFEEDS.yml]   import agency feed files
    oneplan complaints check FILE --feed X     dry run: how a feed file would be read
    oneplan complaints link [--full]           link new records (or relink everything)
    oneplan complaints export --province 40 --out DIR   tables as CSV/XLSX (no PII)
    oneplan complaints review export OUT.xlsx [--province 40] [--lang en]
                                               uncertain pairs for an officer to decide
    oneplan complaints review import FILE [--relink]   the officer's decisions back

Exit codes: 0 ok, 1 ok but rows were rejected (kept in a rejects file), 2 bad usage or
input, 3 failure (a report failed, or an unexpected error: one line names the log file
that holds the traceback). Every error is one line of Thai / English text on stderr.
Options are checked before any work starts (``cli_checks``); the ending is mapped in
``cli_errors``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path

from oneplan import cli_checks as check
from oneplan import cli_db, cli_errors
from oneplan.core import areas
from oneplan.core.errors import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, Failure, UserError, message
from oneplan.data import db, migrations
from oneplan.data.params import load_params

log = logging.getLogger("oneplan")

_FAILURES_SHOWN = 3   # failed reports named on the one stderr line (all are on stdout)


def _needs(command: str, *options: str) -> UserError:
    return UserError(message("core.cli.command.needs_options", command=f"oneplan {command}",
                             options=", ".join(options)))


def _cmd_build_sample(args: argparse.Namespace) -> int:
    from oneplan.samples import build   # the sample's generators: only this command

    target = check.build_target(args.db)
    p = load_params()
    path = build.build_sample(target, seed=p.sample.seed, fiscal_year=p.fiscal_year,
                              projects_min=p.sample.projects_min,
                              projects_max=p.sample.projects_max)
    con = db.connect(path)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in build.TABLES_FROM_SAMPLE}
    con.close()
    print(f"built {path} (synthetic sample, seed {p.sample.seed}, FY {p.fiscal_year}):")
    for table, n in counts.items():
        print(f"  {table:20s} {n:>8,d} rows")
    return EXIT_OK


def _cmd_provinces(args: argparse.Namespace) -> int:
    for p in areas.all_provinces():
        note = areas.planning_note(p.code)
        if note and not args.all:
            continue
        print(f"{p.code}  {p.name_th}  ({p.name_en}, {p.region})" + (f"  [{note}]" if note else ""))
    return EXIT_OK


def _cmd_params(args: argparse.Namespace) -> int:
    p = load_params(args.province, args.scenario or None)
    print(json.dumps(p.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_select(args: argparse.Namespace) -> int:
    from oneplan.reports import water as waterplan

    path = check.database(args.db)
    run = waterplan.run_portfolio(args.province, args.fiscal_year, args.scenario or "",
                                  path, args.lang)
    s = waterplan.summary(run)
    s.pop("params")
    s["selected_ids"] = f"{len(s['selected_ids'])} ids"
    print(json.dumps(s, ensure_ascii=False, indent=2))
    return EXIT_OK


def _report_failures(result) -> Failure:
    """One line naming the failed reports (the first few) and the manifest."""
    shown = [f"{o.key}: {' '.join(str(o.error).split())[:200]}"
             for o in result.failures[:_FAILURES_SHOWN]]
    more = len(result.failures) - len(shown)
    if more > 0:
        shown.append(message("core.cli.command.more", n=more))
    head = message("core.cli.command.reports_failed", n=len(result.failures),
                   manifest=result.manifest)
    return Failure(f"{head}: {'; '.join(shown)}")


def _cmd_report(args: argparse.Namespace) -> int:
    from oneplan.batch import registry
    from oneplan.batch import runner as reports

    if args.all:
        codes = [p.code for p in areas.planning_provinces()]
    elif args.province:
        codes = list(dict.fromkeys(args.province))
    else:
        codes = [areas.planning_province(c).code for c in load_params().default_provinces]
    path = check.database(args.db)
    cli_db.upgrade_notice(path, args.lang)  # an older file: "run oneplan db upgrade", once
    out = check.out_dir(args.out)
    try:
        registry.available_reports(args.report)
    except ValueError as exc:  # an unknown report name
        raise UserError(str(exc)) from None
    result = reports.run_batch(codes, out_root=out, fiscal_year=args.fiscal_year,
                               scenario=args.scenario or "", db_path=path,
                               lang=args.lang, formats=args.formats, workers=args.workers,
                               progress=not args.no_progress, reports=args.report,
                               national=args.all or args.national, force=args.force)
    print(f"{len(result.written)} reports written, {len(result.skipped)} up to date, "
          f"{len(result.failures)} failed, in {result.seconds:.1f} s; "
          f"manifest: {result.manifest}; index: {result.index}")
    if result.failures:
        print(f"{len(result.failures)} failed:")
        for o in result.failures:
            print(f"  {o.key}: {o.error}")
        raise _report_failures(result)
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    from oneplan.selection import versions as plan_versions

    code = args.province
    path = check.database(args.db)
    if args.action == "approve":
        vid = plan_versions.approve(code, db_path=path, fiscal_year=args.fiscal_year,
                                    scenario=args.scenario or None, reason=args.reason)
        print(f"approved plan saved as {vid}")
    elif args.action == "revise":
        facts = check.input_file(args.facts, "--facts")
        facts_out = check.output_file(args.facts_out, "--facts-out")
        vid = plan_versions.revise(code, db_path=path, facts_file=facts,
                                   months=args.months, facts_out=facts_out)
        print(f"revised plan saved as {vid}"
              + ("" if args.facts else " (synthetic sample follow-up facts)"))
    con = db.connect(path, read_only=True)
    try:
        versions = plan_versions.list_plan_versions(con, code)
    finally:
        con.close()
    print(versions.to_string(index=False) if len(versions) else "no plan versions yet")
    return EXIT_OK


APP_PORT = 8866
"""``oneplan app``'s default port (Voilà's own default)."""


def app_command(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The ``voila`` command line and environment of ``oneplan app``: the explorer
    notebook served on 127.0.0.1 at ``--port`` (that port or none), code hidden, the
    province, year, language and database handed to the notebook's kernel through the
    environment (:data:`oneplan.reports.explorer.APP_ENV`)."""
    import os

    from oneplan.core.paths import NOTEBOOKS_DIR
    from oneplan.reports.explorer import APP_DEFAULT_PROVINCE, APP_ENV

    target = check.database(args.db)
    env = {**os.environ, "ONEPLAN_DB": str(target.resolve() if hasattr(target, "resolve")
                                           else target),
           APP_ENV["province_code"]: args.province or APP_DEFAULT_PROVINCE}
    if args.fiscal_year:
        env[APP_ENV["fiscal_year"]] = str(args.fiscal_year)
    if args.lang:
        env[APP_ENV["lang"]] = args.lang
    cmd = [sys.executable, "-m", "voila", str(NOTEBOOKS_DIR / "explorer.ipynb"),
           f"--port={args.port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
           "--strip_sources=True", "--show_tracebacks=False"]
    if args.no_browser:
        cmd.append("--no-browser")
    return cmd, env


def _cmd_app(args: argparse.Namespace) -> int:
    import importlib.util
    import os
    import socket

    cmd, env = app_command(args)
    if importlib.util.find_spec("voila") is None:
        raise Failure(message("reports.explorer.app.no_voila"))
    with socket.socket() as s:  # a busy port is the user's to change, said before starting
        try:
            s.bind(("127.0.0.1", args.port))
        except OSError:
            raise UserError(message("reports.explorer.app.port_busy", port=args.port)) from None
    print(message("reports.explorer.app.starting", url=f"http://127.0.0.1:{args.port}/"),
          flush=True)
    os.execve(sys.executable, cmd, env)  # voila takes this process's place (Ctrl-C stops it)
    return EXIT_OK  # pragma: no cover - not reached


def _cmd_portal(args: argparse.Namespace) -> int:
    from oneplan.reports import portal
    from oneplan.core.paths import default_reports_dir

    out = check.out_dir(args.out) or default_reports_dir()
    fy = args.fiscal_year or load_params().fiscal_year
    path = portal.write_portal(out, fy)
    print(f"portal: {path}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from oneplan.data import ingest

    path = check.database(args.db)
    rejects = check.rejects_dir(args.rejects)
    results = ingest.import_files(args.files, path, kind=args.kind, rejects_dir=rejects,
                                  province=args.province,
                                  multi_province=args.multi_province)
    for line in ingest.summary_lines(results):
        print(line)
    read = sum(r.total("read") for r in results)
    accepted = sum(r.total("accepted") for r in results)
    rejected = sum(r.total("rejected") for r in results)
    failed = [r for r in results if r.error]
    print(f"รวม: อ่าน {read} แถว = รับ {accepted} + ไม่รับ {rejected}"
          + (f"; อ่านไม่ได้ {len(failed)} ไฟล์" if failed else ""))
    print(f"total: read {read} rows = accepted {accepted} + rejected {rejected}"
          + (f"; {len(failed)} file(s) could not be read" if failed else ""))
    if failed:
        raise UserError(message("core.cli.command.files_unreadable", n=len(failed)))
    return EXIT_REJECTED if rejected else EXIT_OK


def _cmd_templates(args: argparse.Namespace) -> int:
    from oneplan.data import templates

    out = check.out_dir(args.out)
    path = check.database(args.db) if args.province else None
    for written in templates.write_templates(out, examples=not args.no_examples,
                                             province=args.province, db_path=path):
        print(f"wrote {written}")
    return EXIT_OK


def _cmd_needs(args: argparse.Namespace) -> int:
    from oneplan.core import thai
    from oneplan.plan import needs, oc4ids

    if args.action == "stage":
        if not (args.need and args.to and args.on):
            raise _needs("needs stage", "--need", "--to", "--on")
        target = check.database(args.db)
        con = db.connect(target, read_only=False,
                         province=db.province_of_need(target, args.need))
        try:
            needs.record_stage(con, args.need, args.to, args.on, reason=args.reason,
                               linked_need_id=args.linked, source_file="oneplan needs stage")
            db.commit(con)
        finally:
            con.close()
        on = args.on
        print(f"{args.need}: {args.to} on {on.day}/{on.month}/{thai.ce_to_be(on.year)}")
        return EXIT_OK
    if not args.province:
        raise _needs(f"needs {args.action}", "--province")
    path = check.database(args.db)
    out = check.out_dir(args.out) if args.action == "oc4ids" else None
    p = load_params(args.province, overrides={"fiscal_year": args.fiscal_year}
                    if args.fiscal_year else None)
    if args.action == "classify":
        con = db.connect(path, read_only=False, province=args.province)
        try:
            counts = needs.apply_classification(con, args.province, p.fiscal_year, p)
            db.commit(con)
        finally:
            con.close()
        print(counts.to_string(index=False))
        return EXIT_OK
    con = db.connect(path, read_only=True)
    try:
        written = oc4ids.write_package(con, args.province, p.fiscal_year, out or ".",
                                       synthetic=db.meta(con).get("synthetic") == "true")
    finally:
        con.close()
    print(f"wrote {written}")
    return EXIT_OK


def feeds_registry(files: list[str] | None):
    """The feed registry with the user's ``--feeds`` files (the built-in one without)."""
    from oneplan.complaints import feedspec

    if not files:
        return feedspec.registry()
    return feedspec.load_registry(extra=[check.input_file(f, "--feeds") for f in files])


def _complaints_check(args: argparse.Namespace, reg) -> int:
    from oneplan.complaints import feedcheck

    if not args.path or not args.feed:
        raise _needs("complaints check", "FILE", "--feed ID")
    source = check.input_file(args.path, "FILE")
    report = feedcheck.check_file(source, reg[args.feed], reg, lang=args.lang or "th")
    print("\n".join(report.lines))
    return report.exit_code


def _cmd_complaints(args: argparse.Namespace) -> int:
    from oneplan.samples import feeds as generate
    from oneplan.complaints import linkage, stats, store

    if args.action == "review":
        return _cmd_complaints_review(args)
    if args.action == "generate":
        if not args.out:
            raise _needs("complaints generate", "--out DIR")
        out = check.out_dir(args.out)
        gen = generate.generate(args.records, args.province or None, seed=args.seed,
                                id_tag=f"S{args.seed}",
                                fiscal_year=args.fiscal_year or load_params().fiscal_year)
        paths = generate.write_feeds(gen, out)
        print(f"wrote {len(paths)} synthetic agency feeds ({len(gen.records):,} records) "
              f"to {out}")
        return EXIT_OK
    reg = feeds_registry(args.feeds)
    if args.action == "check":
        return _complaints_check(args, reg)
    if args.action == "import":
        if not args.path:
            raise _needs("complaints import", "PATH (a folder of feed files, or one file)")
        source = check.input_path(args.path, "PATH")
        path = check.database(args.db, create=True)
    else:
        if args.action == "export" and not args.out:
            raise _needs("complaints export", "--out DIR")
        out = check.out_dir(args.out) if args.action == "export" else None
        path = check.database(args.db)
    rejected = 0
    fresh = (args.action == "import" and not db.is_server(path)
             and not Path(path).exists())
    # complaints are linked across provinces: a writer works on the whole country
    con = db.connect(path, read_only=args.action == "export", province="")
    if fresh:  # a new central database: the whole schema, stamped with every version
        migrations.create_schema(con)
    try:
        if args.action == "import":
            results: list = []
            counts = store.import_dir(con, source, rehash=args.rehash, reg=reg,
                                      results=results)
            for res in results:
                c = counts[res.source_file]
                print(f"  {res.source_file:32s} read {c['read']:>7,d}  new {c['inserted']:>7,d}"
                      f"  updated {c['updated']:>6,d}  unchanged {c['unchanged']:>6,d}  "
                      f"repeated case numbers kept {c['repeated']:>4,d}  "
                      f"set aside {c['setaside']:>5,d}")
                print(f"    {res.accounting()}")
                for line in res.warnings:
                    print(f"    {line}")
            rejected = sum(c["setaside"] for c in counts.values())
            if rejected:
                print("set-aside rows (no usable content) are in <file>.rejected.csv beside "
                      "each file, and in the table complaint_setaside")
            if args.link:
                args.action = "link"
        if args.action == "link":
            st = linkage.link(con, load_params().complaints, incremental=not args.full)
            linkage.record_run(con, st, incremental=not args.full)
            print(f"linked {st.new_records:,} new records ({st.records:,} in all, "
                  f"{st.reexamined:,} re-examined): {st.clusters:,} matters and "
                  f"{st.people:,} persons in all, {st.review_pairs:,} pairs await review, "
                  f"{st.seconds.get('total', 0):.1f} s")
            if st.blocks.get("capped_blocks"):
                print(f"blocking capped: {st.blocks['capped_blocks']:,} blocks "
                      f"({st.blocks['capped_records']:,} records) larger than "
                      f"{st.blocks['cap']:,} were cut into sorted windows")
        elif args.action == "export":
            code = args.province[0] if args.province else None
            fy = args.fiscal_year or load_params().fiscal_year
            d = stats.load(con, code, fy)
            if d.cases.empty:
                raise UserError(message("core.cli.command.no_complaints", code=code,
                                        fiscal_year=fy, path=path) if code else
                                message("core.cli.command.no_complaints_all",
                                        fiscal_year=fy, path=path))
            paths = stats.export_tables(d, out)
            print(f"wrote {len(paths)} files to {out} (no personal data)")
        if args.action != "export":
            db.commit(con)
    finally:
        con.close()
    return EXIT_REJECTED if rejected else EXIT_OK


def _cmd_complaints_review(args: argparse.Namespace) -> int:
    """``oneplan complaints review export OUT [--province X] [--lang]`` and
    ``oneplan complaints review import FILE [--relink]``."""
    from oneplan.complaints import linkage, review

    if args.path not in ("export", "import") or not args.file:
        raise _needs("complaints review", "export OUT.xlsx | import FILE")
    if args.path == "export":
        out = check.output_file(args.file, "OUT")
        con = db.connect(check.database(args.db), read_only=True)
        try:
            done = review.export_review(con, out, province_code=args.province,
                                        lang=args.lang or "th")
        finally:
            con.close()
        print(done.message())
        return EXIT_OK
    source = check.input_file(args.file, "FILE")
    con = db.connect(check.database(args.db), read_only=False, province="")
    try:
        result = review.import_decisions(con, source)
        print(result.summary_line())
        if args.relink:
            st = linkage.link(con, load_params().complaints, incremental=False)
            linkage.record_run(con, st, incremental=False)
            print(f"linked {st.new_records:,} records ({st.records:,} in all): "
                  f"{st.clusters:,} matters, {st.seconds.get('total', 0):.1f} s")
        db.commit(con)
    finally:
        con.close()
    return EXIT_REJECTED if result.rejected else EXIT_OK


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``oneplan report: --workers: … (see … --help)``."""

    def error(self, text: str):  # noqa: D102 — argparse's hook
        text = re.sub(r"^argument ([^:]+): ", r"\1: ", text)
        if not cli_errors.has_thai(text):  # argparse's own sentences are English
            text = f"{message('core.cli.prefix.usage')}: {text}"
        hint = message("core.cli.usage_hint", command=self.prog)
        print(f"{self.prog}: {text} ({hint})", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``oneplan`` sub-command; options are checked as they
    are parsed (``cli_checks``), so a bad one stops the command before any work."""
    parser = _Parser(prog="oneplan", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log details (and show the traceback of an unexpected error)")
    sub = parser.add_subparsers(dest="command", required=True)
    fiscal_year = dict(type=check.fiscal_year, help="fiscal year, พ.ศ. (e.g. 2570)")
    plan_province = dict(type=check.planning_province,
                         help="province code (one of the 76; Bangkok has no provincial plan)")

    p = sub.add_parser("build-sample", help="build the central database from the sample")
    p.add_argument("--db", help="database file (default $ONEPLAN_DB or data/oneplan.duckdb)")
    p.set_defaults(func=_cmd_build_sample)

    p = sub.add_parser("provinces", help="list province codes")
    p.add_argument("--all", action="store_true", help="include Bangkok (10), marked")
    p.set_defaults(func=_cmd_provinces)

    p = sub.add_parser("params", help="show resolved parameters")
    p.add_argument("--province", type=check.province)
    p.add_argument("--scenario", type=check.scenario, help="a name in params/scenarios")
    p.set_defaults(func=_cmd_params)

    p = sub.add_parser("plan", help="approve or revise a province's multi-year plan")
    p.add_argument("action", choices=["approve", "revise", "list"])
    p.add_argument("--province", required=True, **plan_province)
    p.add_argument("--db", help="database file")
    p.add_argument("--fiscal-year", **fiscal_year)
    p.add_argument("--scenario", type=check.scenario, help="a name in params/scenarios")
    p.add_argument("--reason", help="why this version (kept with it)")
    p.add_argument("--facts", help="follow-up facts, XLSX or CSV (default: synthetic sample)")
    p.add_argument("--facts-out", help="write the facts used to this XLSX, to edit and re-run")
    p.add_argument("--months", type=check.months, default=6, help="6 or 12")
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("portal", help="rewrite reports/index.html from the reports present")
    p.add_argument("--out", help="reports folder (default $ONEPLAN_REPORTS or reports/)")
    p.add_argument("--fiscal-year", **dict(fiscal_year, help="fiscal year, พ.ศ. (default "
                                                              "from params)"))
    p.set_defaults(func=_cmd_portal)

    p = sub.add_parser("app", help="the planner's explorer as a web page without code "
                                   "(Voilà): sliders re-plan a province and show what changed")
    p.add_argument("--province", **dict(plan_province, help="province to open with (default "
                                                           "40, Khon Kaen); the page can pick "
                                                           "another"))
    p.add_argument("--port", type=check.int_range(1, 65535), default=APP_PORT,
                   help=f"port on 127.0.0.1 (default {APP_PORT})")
    p.add_argument("--fiscal-year", **fiscal_year)
    p.add_argument("--lang", choices=["th", "en"])
    p.add_argument("--db", help="database file (default $ONEPLAN_DB or data/oneplan.duckdb)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=_cmd_app)

    p = sub.add_parser("import", help="import needs, proposals or progress (XLSX/CSV)")
    p.add_argument("files", nargs="+", metavar="FILE", help="XLSX or CSV files, or folders")
    p.add_argument("--kind", choices=["needs", "need_stages", "proposals", "progress"],
                   help="kind of data (default: told from the headers)")
    p.add_argument("--db", help="database file")
    p.add_argument("--rejects", metavar="DIR",
                   help="folder for <name>.rejected.xlsx (default: beside each file; "
                        "created if its parent folder exists)")
    p.add_argument("--province", **dict(
        plan_province, help="the province every file is of (default: the province most "
                            "of a file's rows are in)"))
    p.add_argument("--multi-province", action="store_true",
                   help="files of several provinces by design (a national file)")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("templates", help="write the Excel import templates")
    p.add_argument("--out", metavar="DIR", help="folder (default data/templates)")
    p.add_argument("--no-examples", action="store_true",
                   help="only the empty templates, not the filled examples")
    p.add_argument("--province", type=check.planning_province,
                   help="add this province's villages, agencies and strategic issues as "
                        "look-up sheets and drop-downs")
    p.add_argument("--db", help="database file (with --province)")
    p.set_defaults(func=_cmd_templates)

    p = sub.add_parser("needs", help="village needs: record a committee stage, classify, "
                                     "export projects as OC4IDS")
    p.add_argument("action", choices=["stage", "classify", "oc4ids"])
    p.add_argument("--need", type=check.nonempty, help="need id (stage)")
    p.add_argument("--to", type=check.nonempty,
                   help="the stage it moves to, e.g. tambon_screened (stage)")
    p.add_argument("--on", type=check.thai_date, help="date of the decision, e.g. 20/06/2568 "
                                                      "(stage)")
    p.add_argument("--reason", help="why rejected / merged (stage)")
    p.add_argument("--linked", help="need it is merged into (stage)")
    p.add_argument("--province", **dict(plan_province, help="province code (classify, "
                                                              "oc4ids)"))
    p.add_argument("--fiscal-year", **fiscal_year)
    p.add_argument("--out", help="output folder (oc4ids)")
    p.add_argument("--db", help="database file")
    p.set_defaults(func=_cmd_needs)

    p = sub.add_parser("complaints", help="Damrongdhama complaints: import, link, export")
    p.add_argument("action", choices=["generate", "import", "check", "link", "export",
                                      "review"])
    p.add_argument("path", nargs="?",
                   help="import: a folder of agency feed files, or one feed file; "
                        "check: one feed file; review: export or import")
    p.add_argument("file", nargs="?",
                   help="review export: the file to write (.xlsx or .csv); "
                        "review import: the filled review file")
    p.add_argument("--feeds", action="append",
                   help="import, check: a YAML file of your own feed declarations (same "
                        "shape as complaints/feeds.yml; repeat for several)")
    p.add_argument("--feed", help="check: the feed id the file is read as")
    p.add_argument("--db", help="database file (import creates it if missing)")
    p.add_argument("--province", action="append", **dict(
        plan_province, help="province code (export, generate; repeat for several)"))
    p.add_argument("--fiscal-year", **fiscal_year)
    p.add_argument("--out", help="output folder (generate, export)")
    p.add_argument("--records", type=check.records, default=5000,
                   help=f"generate: records to draw (1 to {check.MAX_RECORDS:,})")
    p.add_argument("--seed", type=check.seed, default=2567, help="generate: random seed")
    p.add_argument("--full", action="store_true", help="link: relink everything")
    p.add_argument("--link", action="store_true", help="import: link right after")
    p.add_argument("--relink", action="store_true",
                   help="review import: relink everything with the decisions right after")
    p.add_argument("--lang", choices=["th", "en"],
                   help="check, review export: language of the output (default Thai)")
    p.add_argument("--rehash", action="store_true",
                   help="import: the earlier salt is lost; re-import these feeds (all of "
                        "them) with the current salt and drop hashes made with the old one")
    p.set_defaults(func=_cmd_complaints)

    for name, func, help_ in (("select", _cmd_select, "solve one province's portfolio"),
                              ("report", _cmd_report, "write HTML/PDF reports")):
        p = sub.add_parser(name, help=help_)
        if name == "select":
            p.add_argument("--province", required=True, **plan_province)
        else:
            p.add_argument("--province", action="append", **dict(
                plan_province, help="province code; repeat for several (default: the "
                                    "default set)"))
            p.add_argument("--all", action="store_true",
                           help="all 76 provinces, then the national reports")
            p.add_argument("--national", action="store_true",
                           help="also run the national reports (implied by --all)")
            p.add_argument("--report", action="append",
                           help="only this report (e.g. water_portfolio); repeat for several")
            p.add_argument("--force", action="store_true",
                           help="redo reports that are up to date with their inputs")
            p.add_argument("--out", help="output folder (default reports/)")
            p.add_argument("--formats", type=check.formats,
                           help=f"comma-separated: {','.join(check.report_formats())} "
                                "(HTML is always written)")
            p.add_argument("--workers", type=check.workers,
                           help=f"parallel workers, 1 to {check.MAX_WORKERS} "
                                "(default: cores)")
            p.add_argument("--no-progress", action="store_true")
        p.add_argument("--fiscal-year", **fiscal_year)
        p.add_argument("--scenario", type=check.scenario,
                       help="a name in params/scenarios (without .yml)")
        p.add_argument("--lang", choices=["th", "en"])
        p.add_argument("--db", help="database file")
        p.set_defaults(func=func)
    cli_db.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``oneplan`` command; returns the exit code: 0 ok, 1 ok but rows rejected,
    2 bad usage or input, 3 failure (see :mod:`oneplan.cli_errors`)."""
    parsed: dict[str, argparse.Namespace] = {}

    def parse() -> int:
        try:
            parsed["args"] = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help (0) or a usage error (2, already told)
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        return EXIT_OK

    code = cli_errors.run(parse, argv)
    if "args" not in parsed:
        return code
    args = parsed["args"]
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    return cli_errors.run(lambda: args.func(args), argv, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
