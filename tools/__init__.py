"""Tools that ship with the counter but are not part of the app (simulators, generators)."""
