"""The ``costmodel`` command line: a thin shell over the engine.

Bad input never produces a traceback: every problem prints as one line
``file:line:col: field.path: rule`` on standard error, and the exit status is 1. Output files are
written atomically (nothing partial is left behind). Streamlit and Altair are never imported here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import stat
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .errors import AssumptionError, CostModelError, OutputError, UsageError
from .formatting import money, plural
from .uncertainty.limits import DEFAULT_DRAWS, DEFAULT_SEED, MAX_DRAWS, TARGET_BLOCK
from .uncertainty.memory import keep_freed_memory

if TYPE_CHECKING:
    from .appraisal.options import OptionsAppraisal

EXIT_OK, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2


FLAGS: dict[str, str] = {
    "appraisal.horizon_years": "--horizon",
    "appraisal.firm_budget_years": "--firm-years",
    "appraisal.discount_rate": "--discount",
    "appraisal.discount_schedule": "--discount",
    "draws": "--draws",
    "seed": "--seed",
    "target_error": "--target-error",
    "scale": "--scale",
    "user_rates": "--rates",
    "discount_rate_range": "--discount-range",
    "capital_category": "--capital-category",
    "mitigation": "--mitigation",
    "jobs": "--jobs",
    "scenario": "--scenario",
}
"""The field (an input path or an API argument) each command-line flag sets: the library's errors name
the field, and only the CLI says which flag that was."""


def _message(exc: CostModelError) -> str:
    """An error in the CLI's words: a field the user set with a flag is named by that flag."""
    if isinstance(exc, UsageError) and exc.field in FLAGS:
        return f"{FLAGS[exc.field]} {exc.rule}"
    return str(exc)


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """The appraisal flags as edits of the proposal (``appraisal.*`` path -> value)."""
    rate = schedule = None
    if getattr(args, "discount", None):
        text = args.discount.strip()
        if text.endswith("%"):
            raise UsageError(
                f"--discount takes a fraction such as 0.035 (for 3.5%) or a schedule id, not {text!r}"
            )
        try:
            rate = float(text)
        except ValueError:
            schedule = text
        else:
            if not -1e300 < rate < 1e300:  # inf (nan is refused with the range check when loading)
                raise UsageError(
                    f"--discount rate must be a fraction between 0 and 0.5, e.g. 0.035 for 3.5% (got {text})"
                )
            if rate > 0.5:
                raise UsageError(
                    f"--discount {text} looks like a percentage: write {rate / 100:g} for {rate:g}%"
                )
    edits = {
        "appraisal.horizon_years": getattr(args, "horizon", None),
        "appraisal.firm_budget_years": getattr(args, "firm_years", None),
        "appraisal.discount_schedule": schedule,
        "appraisal.discount_rate": rate,
        "appraisal.optimism_bias": "off" if getattr(args, "unadjusted", False) else None,
    }
    return {path: value for path, value in edits.items() if value is not None}


_PROTECTED: list[str] = []
"""Files this command reads (its assumption files, the library they use): never overwritten by -o."""


def protect(*paths: str | None) -> None:
    """Refuse, for the rest of this command, to write an output over any of ``paths``."""
    _PROTECTED.extend(p for p in paths if p)


def _output_target(path: str) -> str:
    """Where ``-o path`` really writes: the path itself, or the regular file a symbolic link points at.

    Refuses a path that is (or links to) anything but a regular file or nothing (a device, a pipe,
    a folder: replacing ``/dev/stdout`` with a file would be wrong), and any input of the command.
    """
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, pipe or socket)"
        raise OutputError(
            f"{path}: cannot write: it is {what}; leave out -o to print to standard output"
        )
    for source in _PROTECTED:
        same = False
        with contextlib.suppress(OSError):  # OutputError is an OSError: raised outside the suppression
            same = st is not None and os.path.samefile(target, source)
        if same:
            raise OutputError(f"{path}: cannot write: it is an input of this command ({source})")
    return target


def write_output(text: str | bytes, path: str | None, out: TextIO) -> None:
    """Print ``text`` or write it atomically to ``path``: a temporary file in the same folder, flushed to
    disk, then renamed into place. An interruption (Ctrl-C, SIGTERM) or an error leaves nothing behind."""
    if path is None or path == "-":
        out.write(text if isinstance(text, str) else text.decode("utf-8"))
        return
    target = _output_target(path)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise OutputError(f"{path}: cannot write: folder {directory} does not exist")
    import tempfile  # only a command writing a file pays for it (3 ms: it imports random and shutil)

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".costmodel-", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp, target)
        tmp = None
        with contextlib.suppress(OSError):  # the rename itself reaches the disk
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    finally:  # also on KeyboardInterrupt and on SIGTERM (turned into an exception by main)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


class Terminated(BaseException):
    """SIGTERM arrived: unwind (removing any temporary file) and exit with status 143."""


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def _load(args: argparse.Namespace, path: str):
    """The proposal at ``path`` with the command line's named scenario and overrides."""
    from .inputs.loading import load_proposal

    return load_proposal(path, _overrides(args), scenario=getattr(args, "scenario", None))


def _appraise(args: argparse.Namespace):
    """The Ten Year Test of ``args.file`` with the command line's overrides."""
    from .appraisal.chain import appraise

    scenario = _load(args, args.file)
    protect(scenario.library_path)
    return appraise(scenario, count_committed=_count_committed(args))


def _count_committed(args: argparse.Namespace) -> bool | None:
    """``--count-committed`` counts the savings committed beyond the horizon (else the file decides)."""
    return True if getattr(args, "count_committed", False) else None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .inputs.loading import (
        UnitCostLibrary,
        _check_library,
        _validate,
        kind_of_file,
        parse_file,
        scenario_from_parsed,
    )

    status = EXIT_OK
    for path in args.files:
        try:
            parsed = parse_file(path)
            from .inputs.options import is_options_file, options_from_parsed

            if is_options_file(parsed):
                options = options_from_parsed(parsed)
                n = sum(e.role == "option" for e in options.entries)
                do_min = " and a do-minimum" if any(e.role == "do_minimum" for e in options.entries) else ""
                out.write(f"{path}: ok (options file '{options.file.id}': BAU{do_min}, {n} options)\n")
            elif kind_of_file(parsed) == "library":
                lib = _validate(parsed, UnitCostLibrary)
                problems = _check_library(lib, parsed)
                if problems:
                    raise AssumptionError(problems)
                out.write(
                    f"{path}: ok (unit-cost library: {len(lib.unit_costs)} unit costs, {len(lib.sources)} sources)\n"
                )
            else:
                sc = scenario_from_parsed(parsed)
                p = sc.proposal
                savings = f"{_count(len(p.savings), 'savings line')}, " if p.savings else ""
                out.write(
                    f"{path}: ok ({p.kind.replace('_', ' ')} '{p.id}': {_count(len(p.prevention_costs), 'cost line')}, "
                    f"{_count(len(p.outcomes), 'outcome')}, {savings}{_count(len(p.sources), 'source')} of its own)\n"
                )
        except CostModelError as exc:
            err.write(f"{_message(exc)}\n")
            status = EXIT_INPUT
    return status


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .present.report import render_cash_table, render_csv, render_table, to_json

    result = _appraise(args)
    view = getattr(args, "view", "real")
    if view != "real" and args.format != "table":
        raise UsageError(
            "--view chooses a table: JSON and CSV always carry both the real and the cash figures"
        )
    if args.format == "table" and view == "cash":
        write_output(render_cash_table(result), args.output, out)
        return EXIT_OK
    render: Callable[..., str] = {"table": render_table, "json": to_json, "csv": render_csv}[args.format]
    solve = getattr(args, "solve", None)
    text = render(result) if solve is None or args.format == "csv" else render(result, solve)
    if args.format == "table" and view == "both":
        text += "\n" + render_cash_table(result)
    write_output(text, args.output, out)
    return EXIT_OK


def cmd_pool(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Pooled budget and responsibility charges: partner table, flows and the fair-share agreement."""
    from .pooling.accounting import appraise_pool
    from .present.pooling_report import pooling_to_dict, render_pooling_table

    result = _appraise(args)
    pr = appraise_pool(result, args.solve)
    if pr is None:
        raise UsageError(
            f"{args.file}: the proposal has no 'pool' and no 'responsibility_charges': nothing to share"
        )
    if args.format == "json":
        sc = result.scenario
        payload = {
            "proposal": {"id": sc.proposal.id, "title": sc.proposal.title, "file": sc.path},
            "inputs_sha256": sc.inputs_sha256,
            "price_base_year": sc.proposal.appraisal.price_base_year,
            "pooling": pooling_to_dict(pr),
        }
        text = json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    else:
        text = f"{sc_title(result)}\n\n" + render_pooling_table(pr, result.structure.price_base_year)
    write_output(text, args.output, out)
    return EXIT_OK


def sc_title(result) -> str:
    p = result.scenario.proposal
    return f"{p.title}\nWhole-public-sector NPV {money(result.npv)} over {plural(result.structure.n_years, 'year')}"


def cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .appraisal.chain import appraise
    from .inputs.loading import load_proposal
    from .present.compare import align, compare_json, compare_table

    ov = _overrides(args)
    scenarios = []
    for f in args.files:
        base = load_proposal(f, ov, scenario=args.scenario)
        scenarios.append(base)
        if args.all_scenarios:  # the file's named scenarios beside it, each a column
            scenarios += [load_proposal(f, ov, scenario=name) for name in base.proposal.scenarios]
    protect(*(sc.library_path for sc in scenarios))
    results = [appraise(sc, count_committed=_count_committed(args)) for sc in scenarios]
    results, notes = align(results)
    if args.format == "json":
        text = compare_json(results, notes)
    else:
        text = compare_table(results, csv_format=args.format == "csv")
        if args.format == "table":
            text += "".join(f"{n}\n" for n in notes)
        else:
            for n in notes:
                err.write(f"{n}\n")
    write_output(text, args.output, out)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .inputs.schema import schema_files

    files = schema_files()
    if args.out_dir is None:
        out.write(json.dumps({name: body for name, body in files.items()}, indent=2) + "\n")
        return EXIT_OK
    os.makedirs(args.out_dir, exist_ok=True)
    for name, body in files.items():
        write_output(
            json.dumps(body, indent=2, ensure_ascii=False) + "\n", os.path.join(args.out_dir, name), out
        )
        out.write(f"wrote {os.path.join(args.out_dir, name)}\n")
    return EXIT_OK


# --- uncertainty: `costmodel sensitivity` and `costmodel simulate` (costmodel.uncertainty) -----------


def _user_rates(text: str | None, option: str = "--rates") -> list[float]:
    if not text:
        return []
    out = []
    for part in text.split(","):
        part = part.strip()
        try:
            rate = float(part.rstrip("%"))
        except ValueError:
            raise UsageError(
                f"{option} takes fractions separated by commas, e.g. 0.05,0.07 (got {part!r})"
            ) from None
        if part.endswith("%") or rate > 0.5:
            raise UsageError(f"{option} takes fractions such as 0.05 for 5% (got {part!r})")
        out.append(rate)
    return out


def _rate_range(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    parts = _user_rates(text, "--discount-range")
    if len(parts) != 2:
        raise UsageError(f"--discount-range takes two fractions LOW,HIGH, e.g. 0.015,0.05 (got {text!r})")
    return parts[0], parts[1]


def cmd_sensitivity(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .present.uncertainty_report import sensitivity_json, sensitivity_table
    from .uncertainty.optimism import load_optimism_table
    from .uncertainty.sensitivity import sensitivity

    scenario = _load(args, args.file)
    protect(scenario.library_path)
    table = load_optimism_table(args.optimism_table) if args.optimism_table else None
    result = sensitivity(
        scenario,
        user_rates=_user_rates(args.rates),
        optimism_table=table,
        capital_category=args.capital_category,
        mitigation=args.mitigation,
        discount_rate_range=_rate_range(args.discount_range),
    )
    text = sensitivity_json(result) if args.format == "json" else sensitivity_table(result)
    write_output(text, args.output, out)
    return EXIT_OK


PROGRESS_AFTER_SECONDS = 2.0
"""A run expected to take longer than this [s] shows a progress bar (on a terminal)."""


class Progress:
    """A one-line progress bar on standard error: ``simulating [#####.....] 50% 50,000/100,000``.

    Drawn from the start when ``always`` (``--progress``); otherwise only for a run expected to take
    more than ``after`` seconds: as soon as the time so far, scaled from the part done to the whole,
    says it will (the first block's time is the first estimate; once ``after`` seconds have passed
    the estimate is past it too). A run that ends sooner draws nothing. ``clock`` [s] is injectable
    for tests.
    """

    def __init__(
        self,
        err: TextIO,
        noun: str = "draws",
        verb: str = "simulating",
        *,
        always: bool = False,
        after: float = PROGRESS_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.err = err
        self.last = -1
        self.noun, self.verb = noun, verb
        self.after, self.clock = after, clock
        self.start = clock()
        self.shown = always

    def expected_seconds(self, done: int, total: int) -> float:
        """The whole run's expected time from the time so far and the share done (at least the time so
        far). [s]"""
        elapsed = self.clock() - self.start
        return elapsed * total / done if done > 0 else elapsed

    def __call__(self, done: int, total: int) -> None:
        if not self.shown:
            if self.expected_seconds(done, total) <= self.after:  # never less than the time so far
                return
            self.shown = True
        pct = int(100 * done / total)
        if pct == self.last:
            return
        self.last = pct
        bar = "#" * (pct // 5) + "." * (20 - pct // 5)
        self.err.write(f"\r{self.verb} [{bar}] {pct:3d}% {done:,}/{total:,} {self.noun}")
        if done >= total:
            self.err.write("\n")
        self.err.flush()


def progress_bar(
    err: TextIO, *, asked: bool, quiet: bool = False, noun: str = "draws", verb: str = "simulating",
    clock: Callable[[], float] = time.monotonic,
) -> Progress | None:  # fmt: skip
    """The progress bar a command shows on ``err``: none with ``quiet`` or when ``err`` is not a terminal
    (unless ``asked``, the ``--progress`` flag: then from the start); otherwise one that appears on a
    run expected to take over :data:`PROGRESS_AFTER_SECONDS`."""
    if quiet:
        return None
    if asked:
        return Progress(err, noun, verb, always=True, clock=clock)
    if not getattr(err, "isatty", lambda: False)():
        return None
    return Progress(err, noun, verb, clock=clock)


def cmd_simulate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .present.uncertainty_report import simulation_json, simulation_table
    from .uncertainty.compile import OptimismSettings
    from .uncertainty.montecarlo import check_draws, check_target_error, simulate

    target = None if args.target_error is None else check_target_error(args.target_error)
    cap = args.draws if args.draws is not None else (MAX_DRAWS if target is not None else DEFAULT_DRAWS)
    draws, seed = check_draws(cap, args.seed)  # refuse before loading anything
    scenario = _load(args, args.file)
    protect(scenario.library_path)
    # the file's choice by default (risk-adjusted unless appraisal.optimism_bias: off, or --unadjusted);
    # --optimism-bias applies a table (yours with --optimism-table) even to a file that says off
    optimism: OptimismSettings | bool = True
    if args.unadjusted and (args.optimism_bias or args.optimism_table or args.capital_category):
        raise UsageError("--unadjusted turns optimism bias off: leave out --optimism-bias, --optimism-table and --capital-category")
    if args.optimism_bias or args.optimism_table or args.capital_category:
        from .uncertainty.optimism import load_optimism_table

        optimism = OptimismSettings(
            load_optimism_table(args.optimism_table), capital_category=args.capital_category
        )
    from .appraisal.engine import compile_scenario
    from .pooling.draws import pool_draws

    p = scenario.proposal
    extra = pool_draws(scenario, compile_scenario(scenario)[0]) if p.pool or p.responsibility_charges else None
    sim = simulate(
        scenario,
        draws,
        seed,
        optimism=optimism,
        discount_rate_range=_rate_range(args.discount_range),
        progress=progress_bar(err, asked=args.progress),
        target_error=target,
        extra=extra,
    )
    names = {a.id: a.name for a in scenario.agencies}
    partners = [x.agency for x in p.pool.partners] if p.pool is not None else []
    text = (
        simulation_json(sim, names, partners)
        if args.format == "json"
        else simulation_table(sim, p.title, names, partners)
    )
    write_output(text, args.output, out)
    return EXIT_OK


def _add_uncertainty_commands(sub: _Commands) -> None:
    p = _command(
        sub,
        "sensitivity",
        "tornado, switching values, discount-rate sensitivity and the optimism-bias effect",
        cmd_sensitivity,
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    _add_output(p)
    p.add_argument(
        "--rates", metavar="R1,R2", help="extra constant discount rates to compare, e.g. 0.05,0.07"
    )
    p.add_argument(
        "--optimism-table", metavar="YAML", help="your own optimism-bias table (default: the shipped one)"
    )
    p.add_argument(
        "--capital-category",
        metavar="ID",
        help="Green Book capital optimism-bias category for kind: capital lines (default: the table's)",
    )
    p.add_argument(
        "--mitigation",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="share of the capital upper bound mitigated (0-1)",
    )
    p.add_argument(
        "--discount-range", metavar="LOW,HIGH", help="also vary the discount rate, e.g. 0.015,0.05"
    )
    _add_overrides(p)

    p = _command(
        sub, "simulate", "Monte Carlo: NPV distribution and the probability of passing the test", cmd_simulate
    )
    p.add_argument(
        "--draws",
        type=int,
        default=None,
        metavar="N",
        help=f"number of draws, 1 to {MAX_DRAWS:,} (default {DEFAULT_DRAWS:,}); "
        f"with --target-error, the most draws to make (default {MAX_DRAWS:,})",
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, metavar="S", help=f"random seed (default {DEFAULT_SEED})"
    )
    p.add_argument(
        "--target-error",
        type=float,
        default=None,
        metavar="SE",
        help=f"draw in blocks of {TARGET_BLOCK:,} until the probability of passing has at most this "
        "standard error (a fraction: 0.005 = half a percentage point)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    _add_output(p)
    p.add_argument("--progress", action="store_true",
                   help="always show the progress bar on standard error (otherwise only on a terminal, "
                        "for a run expected to take over 2 s)")  # fmt: skip
    p.add_argument(
        "--discount-range",
        metavar="LOW,HIGH",
        help="vary the discount rate per draw (triangular), e.g. 0.015,0.05",
    )
    p.add_argument(
        "--optimism-bias",
        action="store_true",
        help="apply the optimism-bias corrections (by evidence grade; Green Book table for capital) to every draw "
        "even if the file says appraisal.optimism_bias: off (the default follows the file: applied)",
    )
    p.add_argument(
        "--optimism-table", metavar="YAML", help="your own optimism-bias table (with --optimism-bias)"
    )
    p.add_argument(
        "--capital-category", metavar="ID", help="capital optimism-bias category (with --optimism-bias)"
    )
    _add_overrides(p)


# ---------------------------------------------------------------------------------------------
# Exports: Excel workbook, one-page briefing, chart images (XlsxWriter/Altair/vl-convert imported lazily)
# ---------------------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not args.output.lower().endswith(".xlsx"):
        raise UsageError(f"{args.output}: the workbook file name must end in .xlsx")
    result = _appraise(args)
    from .export.excel import workbook_bytes

    write_output(workbook_bytes(result, scenarios=args.all_scenarios), args.output, out)
    out.write(f"wrote {args.output}\n")
    return EXIT_OK


def cmd_brief(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    target = args.output.lower()
    if not target.endswith((".html", ".htm", ".md", ".pdf")):
        raise UsageError(f"{args.output}: the briefing file name must end in .html, .md or .pdf")
    result = _appraise(args)
    from .export import brief

    simulation = None
    if args.draws is not None:
        from .uncertainty.montecarlo import check_draws, simulate

        draws, seed = check_draws(args.draws, args.seed)
        simulation = simulate(result.scenario, draws, seed)
    body: str | bytes
    if target.endswith(".md"):
        body = brief.brief_markdown(result, simulation)
    elif target.endswith(".pdf"):
        body = brief.brief_pdf(result, simulation)
    else:
        body = brief.brief_html(result, simulation)
    write_output(body, args.output, out)
    out.write(f"wrote {args.output}\n")
    return EXIT_OK


def cmd_chart(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .export.images import chart_image, check_kind, format_from_path

    fmt = format_from_path(args.output)
    check_kind(args.kind)
    result = _appraise(args)
    write_output(chart_image(args.kind, result, fmt, scale=args.scale), args.output, out)
    out.write(f"wrote {args.output}\n")
    return EXIT_OK


def _add_export_commands(sub: _Commands) -> None:
    p = _command(
        sub,
        "export",
        "write an Excel workbook with live formulas (Inputs, Calculations, Outputs, Provenance)",
        cmd_export,
    )
    p.add_argument("-o", "--output", metavar="OUT.xlsx", required=True)
    p.add_argument(
        "--all-scenarios", action="store_true", help="add a sheet with the file's named scenarios side by side"
    )
    _add_overrides(p)

    p = _command(
        sub, "brief", "write a one-page briefing (.html, .md, or .pdf through headless Chromium)", cmd_brief
    )
    p.add_argument("-o", "--output", metavar="OUT.html|OUT.md|OUT.pdf", required=True)
    p.add_argument(
        "--draws",
        type=int,
        metavar="N",
        help="also run a Monte Carlo of N draws and quote the probability of passing in the caveats",
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help="seed of that Monte Carlo")
    _add_overrides(p)

    p = _command(sub, "chart", "write one of the app's charts as a PNG or SVG image", cmd_chart)
    p.add_argument(
        "--kind",
        required=True,
        metavar="KIND",
        help="savings-by-department, cumulative-position, who-pays-who-saves or dual-running",
    )
    p.add_argument("-o", "--output", metavar="OUT.png|OUT.svg", required=True)
    p.add_argument("--scale", type=float, default=2.0, help="PNG pixel density (default 2)")
    _add_overrides(p)


# ---------------------------------------------------------------------------------------------
# Options appraisal: BAU, do-minimum and options (costmodel.inputs.options)
# ---------------------------------------------------------------------------------------------


def _options_dict(args: argparse.Namespace) -> dict[str, Any]:
    """Load, appraise and simulate an options file; the dict every options output is written from."""
    return _options_appraisal(args)[1]


def _options_appraisal(args: argparse.Namespace) -> tuple[OptionsAppraisal, dict[str, Any]]:
    """Load, appraise and simulate an options file: the appraisal (central figures, for the workbook's
    working) and the dict every options output is written from."""
    from .appraisal.options import appraise_options
    from .inputs.options import load_options
    from .present.options_report import options_dict
    from .uncertainty.options import option_switching_values, option_tornado, simulate_options

    options = load_options(args.file, scenario=args.scenario)
    protect(*(sc.library_path for e in options.entries for sc in e.scenarios))
    protect(*(p for e in options.entries for p in e.paths))
    appraisal = appraise_options(options)
    sim = None
    if args.draws != 0:
        from .uncertainty.montecarlo import check_draws

        draws, seed = check_draws(args.draws, args.seed)
        sim = simulate_options(appraisal, draws, seed)
    return appraisal, options_dict(appraisal, sim, option_switching_values(appraisal), option_tornado(appraisal))


def cmd_options(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .present.options_report import options_csv, options_json, options_table

    if args.output and args.output.lower().endswith(".xlsx"):
        from .export.options_export import options_workbook_bytes

        appraisal, d = _options_appraisal(args)
        write_output(options_workbook_bytes(d, appraisal), args.output, out)
        out.write(f"wrote {args.output}\n")
        return EXIT_OK
    d = _options_dict(args)
    render = {"table": options_table, "json": options_json, "csv": options_csv}[args.format]
    write_output(render(d), args.output, out)
    return EXIT_OK


def cmd_summary(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    target = args.output.lower()
    if not target.endswith((".html", ".htm", ".md", ".pdf", ".xlsx")):
        raise UsageError(f"{args.output}: the summary file name must end in .html, .md, .pdf or .xlsx")
    from .export import options_export as exp
    from .present.options_report import summary_content, summary_markdown

    appraisal, d = _options_appraisal(args)
    body: str | bytes
    if target.endswith(".md"):
        body = summary_markdown(summary_content(d))
    elif target.endswith(".pdf"):
        body = exp.summary_pdf(d)
    elif target.endswith(".xlsx"):
        body = exp.options_workbook_bytes(d, appraisal)
    else:
        body = exp.summary_html(d)
    write_output(body, args.output, out)
    out.write(f"wrote {args.output}\n")
    return EXIT_OK


def _add_options_commands(sub: _Commands) -> None:
    def draws(p: argparse.ArgumentParser) -> None:
        p.add_argument("--draws", type=int, default=DEFAULT_DRAWS, metavar="N",
                       help=f"Monte Carlo draws (default {DEFAULT_DRAWS:,}; 0 for central figures only)")
        p.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S",
                       help=f"random seed (default {DEFAULT_SEED}); every option uses the same draws")  # fmt: skip
        p.add_argument("--scenario", metavar="NAME",
                       help="apply the named scenario NAME to every proposal that has one of that name")  # fmt: skip

    p = _command(sub, "options", "appraise options against business as usual (an options file)", cmd_options)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument("-o", "--output", metavar="PATH", help="write to a file (.xlsx: the options workbook)")
    draws(p)
    p = _command(
        sub, "summary", "write the appraisal summary table of an options file (.html, .md, .pdf or .xlsx)", cmd_summary
    )
    p.add_argument("-o", "--output", metavar="OUT.html|OUT.md|OUT.pdf|OUT.xlsx", required=True)
    draws(p)


# ---------------------------------------------------------------------------------------------
# Batch: one proposal in every area of a table (costmodel.uncertainty.areas)
# ---------------------------------------------------------------------------------------------

BATCH_OUTPUTS = (".txt", ".csv", ".json", ".parquet", ".xlsx", ".png", ".svg", ".md", ".html")


def _batch_template(args: argparse.Namespace, out: TextIO) -> int:
    """``costmodel batch PROPOSAL --template [-o AREAS.yaml]``: an area table to fill in for the proposal."""
    from .inputs.areas import area_table_template

    outputs = args.output or []
    if args.areas is not None:
        raise UsageError(f"--template writes an area table for {args.file}: give no AREAS table ({args.areas})")
    if len(outputs) > 1 or any(not p.lower().endswith((".yaml", ".yml")) for p in outputs):
        raise UsageError("--template writes one YAML file: -o AREAS.yaml (or standard output without -o)")
    text = area_table_template(_load(args, args.file))
    write_output(text, outputs[0] if outputs else None, out)
    if outputs and not args.quiet:
        out.write(f"wrote {outputs[0]}\n")
    return EXIT_OK


def _template_pointer(exc: AssumptionError, proposal: str) -> AssumptionError:
    """The table's refusal, each line saying the table looks written for another proposal ending with the
    command that writes this proposal's template."""
    import shlex
    from dataclasses import replace

    from .inputs.areas import ANOTHER_PROPOSAL

    stem = os.path.splitext(os.path.basename(proposal))[0] or "proposal"
    command = f"costmodel batch {shlex.quote(proposal)} --template -o {shlex.quote(stem + '_areas.yaml')}"
    return AssumptionError(
        [
            replace(p, message=f"{p.message}; write one for this proposal from its template: {command}")
            if ANOTHER_PROPOSAL in p.message
            else p
            for p in exc.problems
        ]
    )


def cmd_batch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .uncertainty.areas import check_batch_draws, check_jobs

    if args.template:
        return _batch_template(args, out)
    if args.areas is None:
        raise UsageError("batch needs an area table AREAS (or --template to write one for the proposal)")
    draws, jobs = check_batch_draws(args.draws), check_jobs(args.jobs)
    outputs = args.output or []
    for path in outputs:
        if not path.lower().endswith(BATCH_OUTPUTS):
            raise UsageError(f"{path}: the output file name must end in one of {', '.join(BATCH_OUTPUTS)}")
    from .inputs.areas import looks_written_for_another_proposal, read_area_table
    from .present import areas_report as rep
    from .uncertainty.areas import run_areas

    scenario = _load(args, args.file)
    try:
        table = read_area_table(args.areas, scenario)
    except AssumptionError as exc:
        if not looks_written_for_another_proposal(exc):
            raise
        raise _template_pointer(exc, args.file) from None
    progress = progress_bar(err, asked=args.progress, quiet=args.quiet, noun="areas", verb="running")
    results = run_areas(scenario, table, draws, args.seed, jobs=jobs, progress=progress)
    bodies: list[tuple[str, str | bytes]] = []  # everything is made before anything is written
    for path in outputs:
        ext = os.path.splitext(path.lower())[1]
        body: str | bytes
        if ext in (".txt",):
            body = rep.batch_table(results, scenario)
        elif ext == ".csv":
            body = rep.batch_csv(results)
        elif ext == ".json":
            body = rep.batch_json(results, scenario)
        else:
            from .export import areas_export as exp

            if ext == ".parquet":
                body = exp.parquet_bytes(results, scenario)
            elif ext == ".xlsx":
                body = exp.workbook_bytes(results, scenario)
            elif ext in (".png", ".svg"):
                body = exp.chart_bytes(results, scenario, "png" if ext == ".png" else "svg")
            elif ext == ".md":
                body = exp.brief_markdown(results, scenario)
            else:
                body = exp.brief_html(results, scenario)
        bodies.append((path, body))
    for path, body in bodies:
        write_output(body, path, out)
        if not args.quiet:
            out.write(f"wrote {path}\n")
    if not outputs:
        render = {"table": lambda: rep.batch_table(results, scenario), "csv": lambda: rep.batch_csv(results),
                  "json": lambda: rep.batch_json(results, scenario)}[args.format]  # fmt: skip
        write_output(render(), None, out)
    elif not args.quiet:
        out.write(rep.headline(results, scenario) + "\n")
    return EXIT_OK


def _add_batch_command(sub: _Commands) -> None:
    p = sub.add_parser(
        "batch", help="appraise one proposal in every area of a table (CSV + .meta.yaml, or YAML), with a Monte Carlo "
        "per area; --template writes a table to fill in"
    )
    p.add_argument("file", metavar="PROPOSAL")
    p.add_argument("areas", metavar="AREAS", nargs="?",
                   help="the area table: CSV with its .meta.yaml, or one YAML file (docs/batch.md)")
    p.add_argument("--template", action="store_true",
                   help="write an area table to fill in for PROPOSAL instead (YAML: a column for each outcome's "
                        "cohort and baseline rate, one row of the proposal's own figures); -o AREAS.yaml or "
                        "standard output")  # fmt: skip
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS, metavar="N",
                   help=f"Monte Carlo draws per area, 0 (central figures only) to {MAX_DRAWS:,} (default {DEFAULT_DRAWS:,})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S",
                   help=f"random seed (default {DEFAULT_SEED}); each area draws from its own stream")
    p.add_argument("--jobs", type=int, default=1, metavar="J",
                   help="worker processes (default 1); the results do not depend on it")
    p.add_argument("-o", "--output", action="append", metavar="OUT",
                   help="write a file (repeatable): .txt .csv .json .parquet .xlsx, the ranked chart .png .svg, "
                        "or the briefing .md .html")  # fmt: skip
    p.add_argument("--format", choices=["table", "csv", "json"], default="table", help="standard output's format without -o")
    p.add_argument("--progress", action="store_true",
                   help="always show the progress bar on standard error (otherwise only on a terminal, "
                        "for a run expected to take over 2 s)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar and no 'wrote' lines")
    p.set_defaults(func=cmd_batch)
    _add_overrides(p)


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------


class _Unbuilt(argparse.ArgumentParser):
    """Stands in for the parser of a sub-command this process will not parse: the options given to it are
    dropped (see :class:`_Commands`)."""

    def __init__(self) -> None:  # no state: nothing is ever parsed with it
        pass

    def add_argument(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def add_argument_group(self, *args: Any, **kwargs: Any) -> Any:
        return self

    def add_mutually_exclusive_group(self, **kwargs: Any) -> Any:
        return self

    def set_defaults(self, **kwargs: Any) -> None:
        pass


class _Commands:
    """The sub-commands of :func:`build_parser`, each with its one-line help; ``only``: the one command
    whose options are built (None: every command's).

    A process runs one command, and building the options of all thirteen (some 140 arguments, each
    checked by a help formatter) takes ~2 ms of every start. The others are still listed with their help
    (``costmodel --help``, and argparse's 'invalid choice' message, read nothing else), so every output
    is the same as with the whole parser."""

    def __init__(self, sub: argparse._SubParsersAction, only: str | None) -> None:
        self._sub = sub
        self._only = only

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if self._only is None or name == self._only:
            return self._sub.add_parser(name, **kwargs)
        self._sub.add_parser(name, add_help=False, **kwargs)
        return _Unbuilt()


def _command(
    sub: _Commands, name: str, help: str, func: Callable[..., int], *, files: bool = False
) -> argparse.ArgumentParser:
    """A sub-command running ``func``, with its FILE argument (``files``: one or more FILEs)."""
    p = sub.add_parser(name, help=help)
    if files:
        p.add_argument("files", nargs="+", metavar="FILE")
    else:
        p.add_argument("file", metavar="FILE")
    p.set_defaults(func=func)
    return p


def _add_output(p: argparse.ArgumentParser) -> None:
    """``-o PATH``: where a report goes (standard output by default)."""
    p.add_argument("-o", "--output", metavar="PATH", help="write to a file instead of standard output")


def _add_overrides(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("overrides of the file's appraisal settings")
    g.add_argument("--horizon", type=int, metavar="YEARS", help="appraisal horizon in years (1-100)")
    g.add_argument("--firm-years", type=int, metavar="YEARS", help="firm-budget years (0 to the horizon)")
    g.add_argument(
        "--discount",
        metavar="SCHEDULE|RATE",
        help="green_book_standard, green_book_health, green_book_lower_rate, or a constant rate such as 0.03",
    )
    g.add_argument("--scenario", metavar="NAME", help="apply the file's named scenario NAME (its 'scenarios' block)")
    g.add_argument(
        "--count-committed",
        action="store_true",
        help="count the savings committed beyond the horizon in the verdict (the file's setting otherwise)",
    )
    g.add_argument(
        "--unadjusted",
        action="store_true",
        help="no optimism-bias corrections: the figures before risk adjustment only "
        "(as the file's appraisal.optimism_bias: off; the default is the risk-adjusted central case)",
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; ``only``: build the options of that sub-command alone (see
    :class:`_Commands`; :func:`main` passes the command its arguments name)."""
    parser = argparse.ArgumentParser(
        prog="costmodel",
        description="Apply the Ten Year Test to prevention proposals described in YAML assumption files.",
    )
    parser.add_argument("--version", action="version", version=f"costmodel {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    sub = _Commands(subparsers, only)

    _command(sub, "validate", "check assumption files; print file:line:col errors", cmd_validate, files=True)

    p = _command(sub, "run", "appraise one proposal: the Ten Year Test by budget holder and year", cmd_run)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument(
        "--view",
        choices=["real", "cash", "both"],
        default="real",
        help="table view: real (discounted appraisal, default), cash (nominal medium-term table) or both",
    )
    _add_output(p)
    _add_overrides(p)
    p.add_argument(
        "--solve",
        choices=["proportional", "cashable"],
        help="for a pooled proposal, add the fair-share agreement under this rule",
    )

    p = _command(
        sub,
        "pool",
        "pooled budget: each partner's position, who pays whom, and a fair-share agreement",
        cmd_pool,
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument(
        "--solve",
        choices=["proportional", "cashable"],
        help="propose shares leaving every partner's NPV >= 0 (in proportion to PV savings or cashable savings)",
    )
    _add_output(p)
    _add_overrides(p)

    p = _command(sub, "compare", "appraise several proposals side by side", cmd_compare, files=True)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument("-o", "--output", metavar="PATH")
    p.add_argument(
        "--all-scenarios", action="store_true", help="add a column for each named scenario of each file"
    )
    _add_overrides(p)

    p = sub.add_parser("schema", help="print or write the JSON Schemas of the assumption files")
    p.add_argument(
        "--out-dir", metavar="DIR", help="write proposal.schema.json and unit_costs.schema.json here"
    )
    p.set_defaults(func=cmd_schema)

    _add_export_commands(sub)
    _add_uncertainty_commands(sub)  # uncertainty: sensitivity, simulate
    _add_batch_command(sub)
    _add_options_commands(sub)

    return parser


def _command_named(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names: its first word that is not an option (``costmodel`` itself takes
    only -h and --version, neither with a value), or None."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of the ``costmodel`` command. Returns the exit status (0 ok, 1 bad input, 2 internal)."""
    out = out or sys.stdout
    err = err or sys.stderr
    keep_freed_memory()  # batched evaluation's temporaries reuse freed memory (no figure changes)
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_named(argv))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed its usage error (or --help / --version)
        return int(exc.code or 0)
    _PROTECTED.clear()
    protect(getattr(args, "file", None), *(getattr(args, "files", None) or ()))
    protect(getattr(args, "optimism_table", None))
    previous = _on_sigterm()
    try:
        with warnings.catch_warnings():
            # numpy's "overflow encountered" lines are never printed: every figure is checked for
            # finiteness and a non-finite one is reported as a located error naming the input
            warnings.simplefilter("ignore", RuntimeWarning)
            return int(args.func(args, out, err))
    except CostModelError as exc:
        err.write(f"{_message(exc)}\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
    except Terminated:
        err.write("terminated\n")
        return 143
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: one line, not a traceback, unless asked for
        if os.environ.get("COSTMODEL_DEBUG"):
            raise
        err.write(
            f"costmodel: internal error: {type(exc).__name__}: {exc} (set COSTMODEL_DEBUG=1 for the traceback)\n"
        )
        return EXIT_INTERNAL
    finally:
        _PROTECTED.clear()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _on_sigterm() -> Any:
    """Turn SIGTERM into an exception while a command runs (main thread only); the previous handler."""
    try:
        return signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (e.g. called from a server)
        return None


YOUNG_OBJECTS_BEFORE_COLLECTING = 100_000
"""In the ``costmodel`` command, Python's cyclic garbage collector runs after this many new objects (700
by default): see :func:`console`."""


def console() -> int:
    """The installed ``costmodel`` command and ``python -m costmodel``: :func:`main` in a process of its own.

    A command runs once and exits, so the cyclic garbage collector is set for that; nothing else differs
    from :func:`main` (which tests and programs embedding costmodel call, with the collector as they set it):

    * it collects after :data:`YOUNG_OBJECTS_BEFORE_COLLECTING` new objects rather than 700, so that
      importing the models and building their validators (hundreds of thousands of objects, hardly any
      of them garbage) does not scan the young objects a hundred times over (~15 ms of a cold ``run``);
      a long command still collects, every 100,000 new objects;
    * once the command has finished, every object is frozen (:func:`gc.freeze`), so that the collection
      Python makes as it exits does not walk every model, schema and module object once more just before
      the process ends (~30 ms). Exit handlers still run and standard output is still flushed.
    """
    import gc

    gc.set_threshold(YOUNG_OBJECTS_BEFORE_COLLECTING, *gc.get_threshold()[1:])
    try:
        return main()
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(console())
