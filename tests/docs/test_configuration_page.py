"""docs/configuration.md names exactly the WORKFLOW_* variables the code reads: a variable
added to the code without a line on the page fails here, and so does a page line for a
variable nothing reads any more."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Where the code reads its environment: the app, the scripts, the deployment files.
CODE = [*ROOT.glob("workflow/**/*.py"), ROOT / "wsgi.py", *ROOT.glob("scripts/*.sh"),
        *(p for p in ROOT.glob("deploy/**/*") if p.is_file())]
VARIABLE = re.compile(r"\bWORKFLOW_[A-Z0-9_]*[A-Z0-9]\b")
CONFIG_ENV = re.compile(r"""_env\(\s*["']([A-Z0-9_]+)["']""")  # workflow/config.py's helper
DEFAULT_KEY = re.compile(r'"([A-Z][A-Z0-9_]+)":')  # e.g. workflow/jobs DEFAULTS = {"JOBS_...": ..}


def code_variables() -> set[str]:
    """Every WORKFLOW_* name the code mentions or reads through config._env."""
    names: set[str] = set()
    for path in CODE:
        text = path.read_text(encoding="utf-8", errors="replace")
        names |= set(VARIABLE.findall(text))
        names |= {f"WORKFLOW_{name}" for name in CONFIG_ENV.findall(text)
                  if not name.startswith("WORKFLOW_")}
        if 'f"WORKFLOW_{' in text:  # names read in a loop over a dict of defaults
            names |= {f"WORKFLOW_{name}" for name in DEFAULT_KEY.findall(text)}
    return names


def test_the_configuration_page_lists_every_variable_and_no_other():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(VARIABLE.findall(page))
    in_code = code_variables()
    assert sorted(in_code - documented) == [], "read by the code, missing from the page"
    tests = {n for p in ROOT.glob("tests/**/*.py") for n in VARIABLE.findall(p.read_text())}
    benches = {n for p in ROOT.glob("bench/*.py") for n in VARIABLE.findall(p.read_text())}
    assert sorted(documented - in_code - tests - benches) == [], "on the page, read by nothing"
