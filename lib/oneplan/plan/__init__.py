"""Surin One Plan and Plan101Pro: village needs and their committee stages, the ranking of
proposals, quarterly follow-up, the governor's overview, OC4IDS export and the water-need
hierarchy. Imports only ``core`` and ``data``."""
