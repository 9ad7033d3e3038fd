"""A batch body that kills its worker process on chosen inputs (tests of the pool's crash handling).

Workers import this module by name when a test hands them its function, so it imports no more than the
real batch body does.
"""

from __future__ import annotations

import os
from typing import Any

from flows import batch
from flows.inputs import RecordRange


def process_batch(files: list[Any], *args: Any) -> batch.BatchOutcome:
    """`flows.batch.process_batch`, except that the worker dies on a file named `crash*` or a file's second range."""
    for item in files:
        if (isinstance(item, RecordRange) and item.index == 1) or item.uri.rsplit("/", 1)[-1].startswith("crash"):
            os._exit(13)
    return batch.process_batch(files, *args)
