"""The governance domain's door: budgets checked at the moment of approval, their variance.

Other domains do not call these: they say what they approved through `core.spending`, and
`governance.hooks` books it here.
"""

from scenic_ops.governance.budgets import charge, enabled, unbudgeted, variance  # noqa: F401
