"""`generate_town`: a Tiled map of a town sized for N people, with homes, workplaces and third places in proportion.

The mix per resident (`PER_RESIDENT`) is written down below, so density stays human as N grows: one dwelling per two
residents and two more (a household averages about 2.4 people; the slack leaves homes empty, as a real town has),
and a cafe, a shop, a pub, a park, a school, a studio, a clinic and a college at the rates a small town has them
(each at least once). Dwellings are houses of two or three bedrooms and blocks of four flats sharing a kitchen.
Buildings are packed in rows along roads, each arena with its own door onto the road; the whole town is walkable
from the town square.
Seeded: the same N and seed write the same map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from town.mapping import tiled_json as tj

TS = 32
# The town tileset's tiles (assets/tiles/town.png, drawn by town/ui/art.py), as Willowbrook uses them.
GRASS, ROAD, FLOOR, WALL, WATER, DIRT, BLOCK = 1, 2, 3, 4, 5, 6, 7
TILES = 7
INNER_HEIGHT = 7  # tiles inside a building, between its top and bottom walls
ROAD_ROWS = 2
MIN_STREET_TILES = 60  # a street of buildings; bigger towns get longer and more streets, keeping the town square
RESIDENTS_PER_DWELLING = 2.0  # people per dwelling the town is built for
FLAT_SHARE = 0.35  # of dwellings, in blocks of four flats

# Public places per resident, and what is inside them: (sector suffix, [(arena, width, [objects])]).
PER_RESIDENT: dict[str, float] = {
    "cafe": 1 / 250,
    "shop": 1 / 300,
    "pub": 1 / 500,
    "park": 1 / 300,
    "school": 1 / 700,
    "studio": 1 / 900,
    "clinic": 1 / 1500,
    "college": 1 / 3000,
}
PUBLIC: dict[str, tuple[str, list[tuple[str, int, list[str]]]]] = {
    "cafe": (
        "Cafe",
        [
            ("cafe", 8, ["counter", "coffee machine", "window table", "corner table"]),
            ("cafe kitchen", 4, ["stove", "sink"]),
        ],
    ),
    "shop": ("Market", [("shop floor", 8, ["checkout counter", "produce shelves", "bakery shelf"])]),
    "pub": ("Arms", [("bar", 7, ["bar counter", "dartboard", "fireside table"])]),
    "school": ("School", [("classroom", 7, ["blackboard", "student desks"]), ("playground", 6, ["bench"])]),
    "studio": ("Studio", [("studio", 6, ["easel", "paint shelf"])]),
    "clinic": ("Clinic", [("clinic", 6, ["reception desk", "examination bed"]), ("hospital ward", 6, ["ward beds"])]),
    "college": (
        "College",
        [
            ("classroom", 7, ["lectern", "student desks"]),
            ("library", 7, ["bookshelves", "reading table"]),
            ("faculty office", 5, ["office desk", "filing cabinet"]),
        ],
    ),
}
PARK_OBJECTS = ["bench", "fountain", "garden", "picnic table"]
STREETS = (
    "Elm Alder Birch Cedar Rowan Hazel Ash Linden Poplar Willow Maple Holly Juniper Laurel Aspen Beech Cherry "
    "Chestnut Hawthorn Larch Myrtle Olive Pine Sycamore Yew Briar Clover Fern Heather Ivy Moss Reed Sorrel Thistle"
).split()


@dataclass
class Building:
    sector: str
    public: bool
    arenas: list[tuple[str, int, list[str]]]
    park: bool = False

    @property
    def width(self) -> int:
        return sum(a[1] for a in self.arenas) + len(self.arenas) + 1


@dataclass
class TownPlan:
    """What a town for N people holds: its buildings in street order."""

    people: int
    buildings: list[Building] = field(default_factory=list)

    def count(self, public: bool) -> int:
        return sum(b.public == public for b in self.buildings)


def plan_town(people: int, seed: int = 0) -> TownPlan:
    if people < 1:
        raise ValueError("a town needs at least one resident")
    rng = np.random.default_rng(seed)
    names = _Names()
    plan = TownPlan(people=people)
    dwellings = math.ceil(people / RESIDENTS_PER_DWELLING) + 2  # a few empty homes, as a real town has
    blocks = round(dwellings * FLAT_SHARE / 4)
    houses = max(1, dwellings - 4 * blocks)
    homes: list[Building] = []
    for _ in range(houses):
        street = names.street()
        bedrooms = 3 if rng.random() < 0.35 else 2
        arenas = [("main bedroom", 4, ["bed", "wardrobe"])]
        arenas += [(f"bedroom {i}", 3, ["bed", "desk"]) for i in range(2, bedrooms + 1)]
        arenas.append(("kitchen", 4, ["stove", "fridge", "dining table"]))
        homes.append(Building(f"{names.number(street)} {street} Lane", False, arenas))
    for _ in range(blocks):
        street = names.street()
        flats = [(f"flat {i}", 4, ["bed", "desk"]) for i in range(1, 5)]
        homes.append(Building(f"{street} Court", False, [*flats, ("shared kitchen", 4, ["stove", "dining table"])]))
    public: list[Building] = []
    for kind, rate in PER_RESIDENT.items():
        for _ in range(max(1, round(people * rate))):
            street = names.street()
            if kind == "park":
                public.append(Building(f"{street} Park", True, [("park", 12, PARK_OBJECTS)], park=True))
                continue
            suffix, arenas = PUBLIC[kind]
            public.append(Building(f"{street} {suffix}", True, arenas))
    order = rng.permutation(len(homes) + len(public)).tolist()
    everything = homes + public
    plan.buildings = [everything[i] for i in order]
    return plan


class _Names:
    """Unique street names: the list first, then the list again with a number."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}
        self.turn = 0

    def street(self) -> str:
        base = STREETS[self.turn % len(STREETS)]
        lap = self.turn // len(STREETS)
        self.turn += 1
        return base if lap == 0 else f"{base} {lap + 1}"

    def number(self, street: str) -> int:
        self.used[street] = self.used.get(street, 0) + 1
        return self.used[street]


def generate_town(people: int, seed: int = 0, world: str = "Generated Town") -> dict:
    """The map as Tiled JSON; its tileset image is `TILESET_IMAGE` beside it, a copy of the town's own."""
    plan = plan_town(people, seed)
    row_height = INNER_HEIGHT + 2 + ROAD_ROWS
    street = max(MIN_STREET_TILES, math.ceil(math.sqrt(sum(b.width + 1 for b in plan.buildings) * row_height)))
    rows: list[list[Building]] = [[]]
    for building in plan.buildings:
        used = sum(b.width + 1 for b in rows[-1])
        if rows[-1] and used + building.width > street:
            rows.append([])
        rows[-1].append(building)
    width = max(sum(b.width + 1 for b in row) for row in rows) + 1
    height = ROAD_ROWS + len(rows) * row_height
    canvas = _Canvas(width, height)
    for y in range(ROAD_ROWS):
        canvas.road_row(y)
    for r, row in enumerate(rows):
        top = ROAD_ROWS + r * row_height
        x = 1
        for building in row:
            canvas.building(building, x, top)
            x += building.width + 1
        for y in range(top + INNER_HEIGHT + 2, top + row_height):
            canvas.road_row(y)
    canvas.spawns.append(canvas.point("town square", width // 2, 0))
    return canvas.document(world)


class _Canvas:
    """Tile layers and place objects of a map being drawn."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.ground = [GRASS] * (width * height)
        self.walls = [0] * (width * height)
        self.ids = tj.LayerIds()
        self.sectors: list[dict] = []
        self.arenas: list[dict] = []
        self.objects: list[dict] = []
        self.spawns: list[dict] = []

    def put(self, layer: list[int], x: int, y: int, gid: int) -> None:
        layer[y * self.width + x] = gid

    def road_row(self, y: int) -> None:
        for x in range(self.width):
            self.put(self.ground, x, y, ROAD)

    def rect(self, name: str, x: int, y: int, w: int, h: int) -> dict:
        return tj.rectangle(self.ids, name, x * TS, y * TS, w * TS, h * TS)

    def point(self, name: str, x: int, y: int) -> dict:
        return tj.point(self.ids, name, x * TS + TS / 2, y * TS + TS / 2)

    def building(self, b: Building, left: int, top: int) -> None:
        """Walls round the building, one wall between arenas, every arena's door in the bottom wall (the road)."""
        bw, bh = b.width, INNER_HEIGHT + 2
        sector = self.rect(b.sector, left, top, bw, bh)
        sector["properties"] = tj.properties({"public": b.public})
        self.sectors.append(sector)
        if b.park:
            self.arenas.append(self.rect(b.arenas[0][0], left, top, bw, bh))
            for i, name in enumerate(b.arenas[0][2]):
                ox, oy = left + 2 + i * 3, top + 2 + (i % 2) * 3
                self.objects.append(self.rect(name, ox, oy, 1, 1))
                self.put(self.ground, ox, oy, WATER if name == "fountain" else DIRT)
            return
        for x in range(left, left + bw):
            for y in range(top, top + bh):
                edge = x in (left, left + bw - 1) or y in (top, top + bh - 1)
                self.put(self.walls if edge else self.ground, x, y, WALL if edge else FLOOR)
        ax = left + 1
        for name, aw, things in b.arenas:
            self.arenas.append(self.rect(name, ax, top + 1, aw, INNER_HEIGHT))
            door = (ax + aw // 2, top + bh - 1)
            self.put(self.walls, *door, 0)
            self.put(self.ground, *door, FLOOR)
            for i, thing in enumerate(things):
                self.objects.append(self.rect(thing, ax + i % aw, top + 1 + 2 * (i // aw) + (i % 2) * 3, 1, 1))
            if ax + aw < left + bw - 1:
                for y in range(top, top + bh):
                    self.put(self.walls, ax + aw, y, WALL)
            ax += aw + 1

    def document(self, world: str) -> dict:
        collision = [BLOCK if self.walls[i] or self.ground[i] == WATER else 0 for i in range(len(self.ground))]
        layers = [
            tj.tile_layer(self.ids, "ground", self.width, self.height, self.ground),
            tj.tile_layer(self.ids, "walls", self.width, self.height, self.walls),
            tj.tile_layer(self.ids, "collision", self.width, self.height, collision, visible=False),
            tj.object_layer(self.ids, "sectors", self.sectors),
            tj.object_layer(self.ids, "arenas", self.arenas),
            tj.object_layer(self.ids, "objects", self.objects),
            tj.object_layer(self.ids, "spawns", self.spawns),
        ]
        tileset = {
            "firstgid": 1,
            "name": "town",
            "image": TILESET_IMAGE,
            "imagewidth": TS * TILES,
            "imageheight": TS,
            "tilewidth": TS,
            "tileheight": TS,
            "tilecount": TILES,
            "columns": TILES,
            "margin": 0,
            "spacing": 0,
        }
        return tj.tiled_map(self.width, self.height, TS, TS, layers, [tileset], self.ids, {"world": world})


TILESET_IMAGE = "town-tiles.png"  # a copy of the town's own tileset, written beside the map by the command
