"""Per-request cost of Keel's default middleware stack against a bare Flask view.

Renders the standard preset into a temporary folder, installs it with uv (sharing the
repository's uv cache), then runs `_stack_overhead_inner.py` inside the generated
project's environment, where both apps are measured in the same process, interleaved.
"""

from __future__ import annotations

import sys

from _render import run_in_rendered_project

if __name__ == "__main__":
    sys.exit(run_in_rendered_project("_stack_overhead_inner.py"))
