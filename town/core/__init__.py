"""The pure world: clock, seeded RNG, Tiled map, places, pathfinding, world state, inputs, events, engine step.

Imports only the standard library, numpy, networkx, scipy and pydantic.
"""
