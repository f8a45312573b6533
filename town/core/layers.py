"""Which layers of a Tiled map are art, and where they stack.

`drawn_layers` splits the visible art layers into those
below the agents and those above them (foreground), in the map's order; `is_data_layer` names the layers that hold
the town's data (collision and place layers), which are read, not drawn.

Rules (docs/map-format.md): a layer is drawn when it is visible in Tiled and is not a data layer; the bool layer
property `render` overrides both. A layer is foreground when its bool property `foreground` is set or its name
starts with 'Foreground' (Generative Agents' convention); a group's properties pass to the layers inside.
"""

from __future__ import annotations

from town.core.tiled import ImageLayer, TiledMap, TileLayer
from town.core.tiled_files import flag

DATA_LAYER_NAMES = ("collision", "sectors", "arenas", "objects")
FOREGROUND = "foreground"
RENDER = "render"


def is_data_layer(tiled: TiledMap, layer: TileLayer | ImageLayer) -> bool:
    named = tiled.properties.get("collision_layer")
    return isinstance(layer, TileLayer) and (
        layer.name in DATA_LAYER_NAMES or (named is not None and layer.name == named)
    )


def is_foreground(layer: TileLayer | ImageLayer) -> bool:
    marked = flag(layer.properties.get(FOREGROUND))
    return marked if marked is not None else layer.name.strip().lower().startswith(FOREGROUND)


def drawn_layers(tiled: TiledMap) -> tuple[list[TileLayer | ImageLayer], list[TileLayer | ImageLayer]]:
    """(below the agents, above the agents), each in drawing order."""
    below: list[TileLayer | ImageLayer] = []
    above: list[TileLayer | ImageLayer] = []
    for layer in tiled.layers:
        if not isinstance(layer, TileLayer | ImageLayer):
            continue
        render = flag(layer.properties.get(RENDER))
        shown = render if render is not None else (layer.visible and not is_data_layer(tiled, layer))
        if shown and layer.opacity > 0:
            (above if is_foreground(layer) else below).append(layer)
    return below, above
