"""Load the 等保2.0 level-3 control library (governance/controls/*.yaml) into the security reviews."""

from scenic_ops.governance import security


def execute() -> None:
    security.load_library()
