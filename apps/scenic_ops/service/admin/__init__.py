"""Desk of the service domain: complaints, public opinion, incidents and plans, dispatch, stock, energy."""

from . import complaints, dispatching, incidents, labels, opinion  # noqa: F401
