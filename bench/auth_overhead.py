"""Per-request cost of bearer-token authentication, Keel's layer against flask-jwt-extended's.

Renders the standard preset into a temporary folder, installs it with uv (sharing the
repository's uv cache), then runs `_auth_overhead_inner.py` inside the generated
project's environment, where every variant is measured in the same process, interleaved.
"""

from __future__ import annotations

import sys

from _render import run_in_rendered_project

if __name__ == "__main__":
    sys.exit(run_in_rendered_project("_auth_overhead_inner.py"))
