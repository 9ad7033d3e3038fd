"""Great Expectations suites for the warehouse tables (`suites`) and batch validation (`validate`).

Import `expectations.validate` for `validate_tables` and `build_data_docs`; GX itself is imported on first
use, because it takes seconds to import.
"""
