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
    oneplan import FILE|DIR ... [--kind needs|need_stages|proposals|progress] [--rejects DIR]
                   [--province 32 | --multi-province]
    oneplan templates [--province 32] [--out DIR]  write the Excel import templates
    oneplan needs stage --need N2570-32-000001 --to tambon_screened --on 20/06/2568
    oneplan needs classify --province 32       write the params' authority / strategy rules
    oneplan needs oc4ids --province 32 --out DIR   projects as OC4IDS JSON
    oneplan complaints generate --out DIR      write synthetic feeds of the 15 agencies
    oneplan complaints import DIR [--link]     import agency feed files (rejects kept)
    oneplan complaints link [--full]           link new records (or relink everything)
    oneplan complaints export --province 40 --out DIR   tables as CSV/XLSX (no PII)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from oneplan.core import areas
from oneplan.data import db
from oneplan.data.params import ParamsError, load_params
from oneplan.samples import build

log = logging.getLogger("oneplan")


def _cmd_build_sample(args: argparse.Namespace) -> int:
    p = load_params()
    path = build.build_sample(args.db, seed=p.sample.seed, fiscal_year=p.fiscal_year,
                           projects_min=p.sample.projects_min,
                           projects_max=p.sample.projects_max)
    con = db.connect(path)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in build.TABLES_FROM_SAMPLE}
    con.close()
    print(f"built {path} (synthetic sample, seed {p.sample.seed}, FY {p.fiscal_year}):")
    for table, n in counts.items():
        print(f"  {table:20s} {n:>8,d} rows")
    return 0


def _cmd_provinces(args: argparse.Namespace) -> int:
    for p in areas.all_provinces():
        if p.code == areas.BANGKOK and not args.all:
            continue
        print(f"{p.code}  {p.name_th}  ({p.name_en}, {p.region})")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    p = load_params(args.province, args.scenario)
    print(json.dumps(p.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return 0


def _cmd_select(args: argparse.Namespace) -> int:
    from oneplan.reports import water as waterplan

    run = waterplan.run_portfolio(args.province, args.fiscal_year, args.scenario or "",
                                  args.db, args.lang)
    s = waterplan.summary(run)
    s.pop("params")
    s["selected_ids"] = f"{len(s['selected_ids'])} ids"
    print(json.dumps(s, ensure_ascii=False, indent=2))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from oneplan.batch import runner as reports

    if args.all:
        codes = [p.code for p in areas.planning_provinces()]
    elif args.province:
        codes = args.province
    else:
        codes = load_params().default_provinces
    formats = tuple(args.formats.split(",")) if args.formats else None
    try:
        result = reports.run_batch(codes, out_root=args.out, fiscal_year=args.fiscal_year,
                                   scenario=args.scenario or "", db_path=args.db,
                                   lang=args.lang, formats=formats, workers=args.workers,
                                   progress=not args.no_progress, reports=args.report,
                                   national=args.all or args.national, force=args.force)
    except ValueError as exc:  # an unknown report name
        print(f"oneplan: {exc}", file=sys.stderr)
        return 2
    print(f"{len(result.written)} reports written, {len(result.skipped)} up to date, "
          f"{len(result.failures)} failed, in {result.seconds:.1f} s; "
          f"manifest: {result.manifest}; index: {result.index}")
    if result.failures:
        print(f"{len(result.failures)} failed:", file=sys.stderr)
        for o in result.failures:
            print(f"  {o.key}: {o.error}", file=sys.stderr)
        return 1
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    from oneplan.selection import versions as plan_versions

    code = areas.province(args.province).code
    if args.action == "approve":
        vid = plan_versions.approve(code, db_path=args.db, fiscal_year=args.fiscal_year,
                                    scenario=args.scenario, reason=args.reason)
        print(f"approved plan saved as {vid}")
    elif args.action == "revise":
        vid = plan_versions.revise(code, db_path=args.db, facts_file=args.facts,
                                   months=args.months, facts_out=args.facts_out)
        print(f"revised plan saved as {vid}"
              + ("" if args.facts else " (synthetic sample follow-up facts)"))
    con = db.connect(args.db, read_only=True)
    try:
        versions = plan_versions.list_plan_versions(con, code)
    finally:
        con.close()
    print(versions.to_string(index=False) if len(versions) else "no plan versions yet")
    return 0


def _cmd_portal(args: argparse.Namespace) -> int:
    from oneplan.reports import portal
    from oneplan.core.paths import default_reports_dir

    fy = args.fiscal_year or load_params().fiscal_year
    path = portal.write_portal(args.out or default_reports_dir(), fy)
    print(f"portal: {path}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from oneplan.data import ingest

    results = ingest.import_files(args.files, args.db, kind=args.kind,
                                  rejects_dir=args.rejects, province=args.province,
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
        return 2
    return 1 if rejected else 0


def _cmd_templates(args: argparse.Namespace) -> int:
    from oneplan.data import templates

    for path in templates.write_templates(args.out, examples=not args.no_examples,
                                          province=args.province, db_path=args.db):
        print(f"wrote {path}")
    return 0


def _cmd_needs(args: argparse.Namespace) -> int:
    from oneplan.plan import needs, oc4ids
    from oneplan.core import thai

    try:
        if args.action == "stage":
            if not (args.need and args.to and args.on):
                print("oneplan: needs stage needs --need, --to and --on", file=sys.stderr)
                return 2
            con = db.connect(args.db, read_only=False)
            try:
                needs.record_stage(con, args.need, args.to, thai.parse_thai_date(args.on),
                                   reason=args.reason, linked_need_id=args.linked,
                                   source_file="oneplan needs stage")
            finally:
                con.close()
            print(f"{args.need}: {args.to} on {args.on}")
            return 0
        if not args.province:
            print(f"oneplan: needs {args.action} needs --province", file=sys.stderr)
            return 2
        p = load_params(args.province, overrides={"fiscal_year": args.fiscal_year}
                        if args.fiscal_year else None)
        if args.action == "classify":
            con = db.connect(args.db, read_only=False)
            try:
                counts = needs.apply_classification(con, args.province, p.fiscal_year, p)
            finally:
                con.close()
            print(counts.to_string(index=False))
            return 0
        con = db.connect(args.db, read_only=True)
        try:
            path = oc4ids.write_package(con, args.province, p.fiscal_year, args.out or ".",
                                        synthetic=db.meta(con).get("synthetic") == "true")
        finally:
            con.close()
        print(f"wrote {path}")
        return 0
    except (needs.StageTransitionError, needs.NeedsDataError, thai.ThaiLocaleError) as exc:
        print(f"oneplan: {exc}", file=sys.stderr)
        return 2


def _cmd_complaints(args: argparse.Namespace) -> int:
    from oneplan.samples import feeds as generate
    from oneplan.complaints import linkage, stats, store
    from oneplan.complaints.feeds import FeedError

    try:
        if args.action == "generate":
            if not args.out:
                print("oneplan: complaints generate needs --out DIR", file=sys.stderr)
                return 2
            provinces = args.province or None
            gen = generate.generate(args.records, provinces, seed=args.seed, id_tag=f"S{args.seed}",
                                    fiscal_year=args.fiscal_year or load_params().fiscal_year)
            paths = generate.write_feeds(gen, args.out)
            print(f"wrote {len(paths)} synthetic agency feeds ({len(gen.records):,} records) "
                  f"to {args.out}")
            return 0
        con = db.connect(args.db, read_only=args.action == "export")
        try:
            if args.action == "import":
                if not args.path:
                    print("oneplan: complaints import needs a folder of feed files",
                          file=sys.stderr)
                    return 2
                counts = store.import_dir(con, args.path)
                for name, c in counts.items():
                    print(f"  {name:32s} read {c['read']:>7,d}  new {c['inserted']:>7,d}  "
                          f"updated {c['updated']:>6,d}  rejected {c['rejected']:>5,d}")
                if any(c["rejected"] for c in counts.values()):
                    print("rejected rows are in <file>.rejected.csv beside each file")
                if args.link:
                    args.action = "link"
            if args.action == "link":
                st = linkage.link(con, load_params().complaints, incremental=not args.full)
                print(f"linked {st.new_records:,} records ({st.records:,} in all): "
                      f"{st.clusters:,} matters, {st.seconds.get('total', 0):.1f} s")
            elif args.action == "export":
                if not args.out:
                    print("oneplan: complaints export needs --out DIR", file=sys.stderr)
                    return 2
                code = areas.province(args.province[0]).code if args.province else None
                d = stats.load(con, code, args.fiscal_year or load_params().fiscal_year)
                paths = stats.export_tables(d, args.out)
                print(f"wrote {len(paths)} files to {args.out} (no personal data)")
        finally:
            con.close()
    except FeedError as exc:
        print(f"oneplan: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``oneplan`` sub-command."""
    parser = argparse.ArgumentParser(prog="oneplan", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build-sample", help="build the central database from the sample")
    p.add_argument("--db", help="database file (default $ONEPLAN_DB or data/oneplan.duckdb)")
    p.set_defaults(func=_cmd_build_sample)

    p = sub.add_parser("provinces", help="list province codes")
    p.add_argument("--all", action="store_true", help="include Bangkok (10)")
    p.set_defaults(func=_cmd_provinces)

    p = sub.add_parser("params", help="show resolved parameters")
    p.add_argument("--province")
    p.add_argument("--scenario")
    p.set_defaults(func=_cmd_params)

    p = sub.add_parser("plan", help="approve or revise a province's multi-year plan")
    p.add_argument("action", choices=["approve", "revise", "list"])
    p.add_argument("--province", required=True)
    p.add_argument("--db", help="database file")
    p.add_argument("--fiscal-year", type=int)
    p.add_argument("--scenario")
    p.add_argument("--reason", help="why this version (kept with it)")
    p.add_argument("--facts", help="follow-up facts, XLSX or CSV (default: synthetic sample)")
    p.add_argument("--facts-out", help="write the facts used to this XLSX, to edit and re-run")
    p.add_argument("--months", type=int, choices=[6, 12], default=6)
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("portal", help="rewrite reports/index.html from the reports present")
    p.add_argument("--out", help="reports folder (default $ONEPLAN_REPORTS or reports/)")
    p.add_argument("--fiscal-year", type=int, help="fiscal year, พ.ศ. (default from params)")
    p.set_defaults(func=_cmd_portal)

    p = sub.add_parser("import", help="import needs, proposals or progress (XLSX/CSV)")
    p.add_argument("files", nargs="+", metavar="FILE", help="XLSX or CSV files")
    p.add_argument("--kind", choices=["needs", "need_stages", "proposals", "progress"],
                   help="kind of data (default: told from the headers)")
    p.add_argument("--db", help="database file")
    p.add_argument("--rejects", metavar="DIR",
                   help="folder for <name>.rejected.xlsx (default: beside each file)")
    p.add_argument("--province", help="the province every file is of (default: the "
                                      "province most of a file's rows are in)")
    p.add_argument("--multi-province", action="store_true",
                   help="files of several provinces by design (a national file)")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("templates", help="write the Excel import templates")
    p.add_argument("--out", metavar="DIR", help="folder (default data/templates)")
    p.add_argument("--no-examples", action="store_true",
                   help="only the empty templates, not the filled examples")
    p.add_argument("--province", help="add this province's villages, agencies and strategic "
                                      "issues as look-up sheets and drop-downs")
    p.add_argument("--db", help="database file (with --province)")
    p.set_defaults(func=_cmd_templates)

    p = sub.add_parser("needs", help="village needs: record a committee stage, classify, "
                                     "export projects as OC4IDS")
    p.add_argument("action", choices=["stage", "classify", "oc4ids"])
    p.add_argument("--need", help="need id (stage)")
    p.add_argument("--to", help="the stage it moves to, e.g. tambon_screened (stage)")
    p.add_argument("--on", help="date of the decision, e.g. 20/06/2568 (stage)")
    p.add_argument("--reason", help="why rejected / merged (stage)")
    p.add_argument("--linked", help="need it is merged into (stage)")
    p.add_argument("--province", help="province code (classify, oc4ids)")
    p.add_argument("--fiscal-year", type=int)
    p.add_argument("--out", help="output folder (oc4ids)")
    p.add_argument("--db", help="database file")
    p.set_defaults(func=_cmd_needs)

    p = sub.add_parser("complaints", help="Damrongdhama complaints: import, link, export")
    p.add_argument("action", choices=["generate", "import", "link", "export"])
    p.add_argument("path", nargs="?", help="import: folder of agency feed files")
    p.add_argument("--db", help="database file")
    p.add_argument("--province", action="append", help="province code (export, generate)")
    p.add_argument("--fiscal-year", type=int)
    p.add_argument("--out", help="output folder (generate, export)")
    p.add_argument("--records", type=int, default=5000, help="generate: records to draw")
    p.add_argument("--seed", type=int, default=2567, help="generate: random seed")
    p.add_argument("--full", action="store_true", help="link: relink everything")
    p.add_argument("--link", action="store_true", help="import: link right after")
    p.set_defaults(func=_cmd_complaints)

    for name, func, help_ in (("select", _cmd_select, "solve one province's portfolio"),
                              ("report", _cmd_report, "write HTML/PDF reports")):
        p = sub.add_parser(name, help=help_)
        if name == "select":
            p.add_argument("--province", required=True)
        else:
            p.add_argument("--province", action="append",
                           help="province code; repeat for several (default: the default set)")
            p.add_argument("--all", action="store_true",
                           help="all 76 provinces, then the national reports")
            p.add_argument("--national", action="store_true",
                           help="also run the national reports (implied by --all)")
            p.add_argument("--report", action="append",
                           help="only this report (e.g. water_portfolio); repeat for several")
            p.add_argument("--force", action="store_true",
                           help="redo reports that are up to date with their inputs")
            p.add_argument("--out", help="output folder (default reports/)")
            p.add_argument("--formats", help="comma-separated: html,pdf")
            p.add_argument("--workers", type=int, help="parallel workers (default: cores)")
            p.add_argument("--no-progress", action="store_true")
        p.add_argument("--fiscal-year", type=int, help="fiscal year, พ.ศ. (e.g. 2570)")
        p.add_argument("--scenario", help="a file in params/scenarios without .yml")
        p.add_argument("--lang", choices=["th", "en"])
        p.add_argument("--db", help="database file")
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``oneplan`` command; returns the exit code (0 ok, 1 some reports failed, 2 bad input)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except (areas.UnknownAreaError, ParamsError, db.DatabaseMissingError) as exc:
        print(f"oneplan: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
