"""The provincial portal simulator: ``python -m tools.portal_sim --port 8765``."""

from tools.portal_sim.app import PortalState, create_sim
from tools.portal_sim.server import SimServer

__all__ = ["PortalState", "SimServer", "create_sim"]
