"""Start the costmodel Streamlit app with its heavy modules already imported.

Streamlit imports a page's modules when the first visitor's session runs it, so the first person to
open the app would wait for pandas, Altair and the engine to import (about 0.7 s here). This launcher
imports them before the server starts listening, then hands over to Streamlit's own command line:
every `streamlit run` option works, e.g.

    .venv/bin/python scripts/serve_app.py --server.port 8600
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the costmodel beside this script, not another checkout's: an editable install (a venv shared by several
# worktrees) would otherwise serve its own copy of the engine under this app's pages
sys.path.insert(0, str(ROOT))


def preload() -> None:
    import altair  # noqa: F401
    import pandas  # noqa: F401

    import costmodel.appraisal.chain  # noqa: F401
    import costmodel.inputs.editing  # noqa: F401
    import costmodel.inputs.loading
    import costmodel.inputs.provenance  # noqa: F401
    import costmodel.present.charts  # noqa: F401
    import costmodel.present.compare  # noqa: F401
    import costmodel.present.pooling_tables  # noqa: F401
    import costmodel.present.tables  # noqa: F401
    import costmodel.present.uncertainty_tables  # noqa: F401

    loading = costmodel.inputs.loading
    loading.load_reference()  # parse the shipped discount schedules and deflators once
    # parse and validate the shipped unit-cost library once, under the path the app resolves it to
    # (app_pages/common.py: "../unit_costs.yaml" against assumptions/proposals), so the first appraisal
    # of any example reuses it instead of parsing it in the visitor's session
    proposals = ROOT / "assumptions" / "proposals"
    for path in sorted(proposals.glob("*.yaml")):
        loading.scenario_from_parsed(loading.parse_file(path), library_dir=str(proposals))


def main(argv: list[str]) -> int:
    preload()
    from streamlit.web import cli as streamlit_cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *argv]
    return int(streamlit_cli.main(standalone_mode=False) or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
