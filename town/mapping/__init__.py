"""Map tools above the core.

Importing Generative Agents' Smallville (`ga_import`), checking a map for everything a
town needs (`check`), adding the empty town layers to a map (`init`), and writing Tiled files (`tiled_json`, `png`).
"""
