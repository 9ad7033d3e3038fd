"""Locate and load the rule, lexicon and gazetteer files bundled in `data/`."""

from __future__ import annotations

import functools
import pathlib
from collections.abc import Callable
from typing import Any

import yaml

# libyaml's safe loader when PyYAML was built with it (ten times faster, the same values), else the pure one
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DATA_DIR = pathlib.Path(__file__).resolve().parent.parent / "data"
RULES_DIR = DATA_DIR / "rules"


def data_path(*parts: str) -> pathlib.Path:
    """Path of a bundled data file under `data/`."""
    return DATA_DIR.joinpath(*parts)


@functools.cache
def rules(name: str) -> Any:
    """Parsed contents of `data/rules/<name>.yaml`, read once per process."""
    with (RULES_DIR / f"{name}.yaml").open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_SAFE_LOADER)


def checked_rules(name: str, problems: Callable[[Any], list[str]]) -> Any:
    """`rules(name)`, refused with every problem `problems` finds in it (a broken rule file fails at import)."""
    data = rules(name)
    errors = problems(data)
    if errors:
        raise ValueError(f"data/rules/{name}.yaml is invalid: " + "; ".join(errors))
    return data
