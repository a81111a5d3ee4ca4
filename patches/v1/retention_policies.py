"""The default retention policies of the personal-data classes the purge job clears."""

from scenic_ops.governance import retention


def execute() -> None:
    retention.ensure_defaults()
