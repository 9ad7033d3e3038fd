"""What every batch worker process holds before its first batch: the batch code, the transforms and their models.

Importing this module loads them (that is its only purpose): the local pool's fork server imports it once, so
every worker forked from it starts with the language model and gazetteer in memory, and Dask workers load it
as a preload (`dask_setup`). Nothing here imports Prefect, Great Expectations or pandas.
"""

from __future__ import annotations

from typing import Any

import flows.batch  # noqa: F401  (the batch body the workers run)
from transforms.records import loaded_models

MODELS = loaded_models()


def dask_setup(worker: Any) -> None:
    """Dask preload hook: the models were loaded when the worker imported this module."""
    loaded_models()
