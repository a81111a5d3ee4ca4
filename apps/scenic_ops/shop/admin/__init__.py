"""The shop's desk (商城运营): catalogue and stock, campaigns and their results, orders, shipments,
returns, members, and the desk pages for tracking imports and stock counts."""

from scenic_ops.shop.admin import catalogue, orders, promotions  # noqa: F401  (registers the admins)
