"""The numbers the generator draws from, calibrated on the Liaoning instance.

Every range here comes from ``instances/liaoning-2023.yaml`` (and the benchmarks in
``shared/liaoning-facts.md`` it cites): per-berth capacities and costs by cargo class,
durations and spend profiles, opex as a share of capex, liner-route volumes by trade, depths,
growth rates, utilization and penalties. Money is in CNY million at the start year's prices,
capacities per berth per year (TEU for containers, tonnes otherwise), depths in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

MONEY_UNIT = "CNY million"
DISCOUNT_RATE = 0.06
TONS_PER_TEU = 10.0
MAX_UTILIZATION: dict[str, float] = {
    "container": 1.3,
    "dry_bulk": 1.4,
    "liquid_bulk": 1.3,
    "lng": 1.0,
    "grain": 1.3,
    "general": 1.5,
    "ro_ro": 1.3,
}
PENALTIES: dict[str, float] = {"unserved_teu": 0.0004, "unserved_ton": 0.00002}
"""Money per TEU / tonne offered or demanded but not served (Liaoning: 400 and 20 CNY)."""

SOFT_PENALTY: dict[str, float] = {
    "cargo_tons": 0.00005,
    "container_teu": 0.0005,
    "berths_10k": 500.0,
    "new_routes": 50.0,
}
"""Penalty per unit short of a soft target (Liaoning: 50 CNY/t, 500 CNY/TEU, 500 M/berth, 50 M/route)."""

SPEND_PROFILES: dict[int, tuple[tuple[float, ...], ...]] = {
    1: ((1.0,),),
    2: ((0.5, 0.5), (0.3, 0.7), (0.4, 0.6)),
    3: ((0.3, 0.4, 0.3), (0.25, 0.4, 0.35), (0.2, 0.4, 0.4), (0.3, 0.35, 0.35)),
    4: ((0.1, 0.3, 0.35, 0.25), (0.2, 0.3, 0.3, 0.2), (0.15, 0.25, 0.35, 0.25)),
}
"""Share of capex per construction year, by duration (the profiles of the Liaoning projects)."""


@dataclass(frozen=True)
class BerthType:
    """A kind of berth: class, ship size, alongside depth and capacity per berth.

    Ranges are ``(low, high)``; ``dwt`` is a tuple of the sizes drawn from.
    """

    key: str
    cargo: str
    dwt: tuple[int, ...]
    depth: tuple[float, float]
    capacity: tuple[float, float]
    cost: tuple[float, float]
    """Capex per berth of a project adding this type (CNY million)."""


# Capacities and costs per berth: Liaoning berths and projects and the cited benchmarks
# (container 0.35-0.65 M TEU and 2.5-3.0 bn per 100k-t berth; ore 10-20 Mt, 1.2-1.9 bn;
# crude 12-20 Mt, 1.4-2.5 bn; general 1.5-3 Mt, ~1.1 bn per 100k-t berth; LNG 6.2 Mt, 11.6 bn).
BERTH_TYPES: dict[str, BerthType] = {
    t.key: t
    for t in (
        BerthType(
            "ct-large", "container", (100000, 150000), (15.5, 17.5), (450e3, 650e3), (2300, 3000)
        ),
        BerthType("ct", "container", (50000, 70000), (13.5, 15.0), (300e3, 450e3), (700, 1300)),
        BerthType(
            "ct-feeder", "container", (20000, 35000), (11.0, 12.5), (150e3, 250e3), (400, 700)
        ),
        BerthType(
            "ore", "dry_bulk", (200000, 300000, 400000), (20.0, 25.0), (10e6, 20e6), (1200, 2200)
        ),
        BerthType(
            "bulk", "dry_bulk", (50000, 70000, 100000), (12.5, 15.5), (3e6, 8e6), (700, 1100)
        ),
        BerthType(
            "crude", "liquid_bulk", (250000, 300000), (21.0, 24.0), (12e6, 20e6), (1400, 2500)
        ),
        BerthType(
            "oil", "liquid_bulk", (30000, 50000, 100000), (11.5, 15.5), (1.5e6, 4e6), (300, 450)
        ),
        BerthType("chem-s", "liquid_bulk", (3000, 5000), (6.0, 7.0), (0.4e6, 0.5e6), (60, 100)),
        BerthType("lng", "lng", (100000, 130000), (14.5, 15.5), (3e6, 6.5e6), (3000, 11600)),
        BerthType(
            "grain", "grain", (50000, 70000, 100000), (13.0, 15.0), (2.5e6, 6e6), (700, 1000)
        ),
        BerthType("general", "general", (50000, 70000), (12.5, 15.0), (1.5e6, 3e6), (450, 900)),
        BerthType(
            "general-m", "general", (10000, 20000, 30000), (9.5, 11.5), (0.6e6, 1.5e6), (250, 400)
        ),
        BerthType(
            "general-s", "general", (2000, 3000, 5000), (4.5, 7.5), (0.12e6, 0.35e6), (60, 100)
        ),
        BerthType(
            "roro", "ro_ro", (10000, 20000, 30000, 50000), (9.0, 12.0), (0.9e6, 2.5e6), (600, 800)
        ),
        BerthType("roro-s", "ro_ro", (3000, 5000), (6.0, 7.0), (0.5e6, 0.7e6), (80, 120)),
    )
}


@dataclass(frozen=True)
class Archetype:
    """A kind of port area: depth range, existing berth groups, the projects it offers.

    ``berths`` lists ``(berth type, probability the group exists, count range)``;
    ``projects`` lists ``(project kind, weight)``.
    """

    key: str
    label: str
    depth: tuple[float, float]
    berths: tuple[tuple[str, float, tuple[int, int]], ...]
    projects: tuple[tuple[str, float], ...]
    weight: float
    """Relative share of a port's projects this area draws."""


ARCHETYPES: dict[str, Archetype] = {
    a.key: a
    for a in (
        Archetype(
            "container",
            "container and multipurpose terminals",
            (13.5, 17.5),
            (
                ("ct-large", 0.8, (2, 6)),
                ("ct", 0.7, (2, 5)),
                ("general", 0.8, (2, 8)),
                ("grain", 0.3, (1, 2)),
                ("roro", 0.3, (1, 2)),
                ("general-s", 0.8, (4, 10)),
            ),
            (("ct-large", 4), ("ct", 2), ("general", 2), ("roro", 1), ("grain", 1)),
            1.6,
        ),
        Archetype(
            "energy",
            "crude, oil products, chemicals and LNG",
            (18.0, 24.0),
            (
                ("crude", 0.9, (1, 2)),
                ("oil", 0.9, (2, 6)),
                ("lng", 0.25, (1, 1)),
                ("chem-s", 0.6, (2, 6)),
                ("general-s", 0.5, (2, 6)),
            ),
            (("crude", 3), ("oil", 3), ("lng", 0.6), ("general", 1)),
            1.0,
        ),
        Archetype(
            "bulk",
            "iron ore, coal and bulk grain",
            (13.0, 16.0),
            (
                ("ore", 0.5, (1, 1)),
                ("bulk", 1.0, (3, 9)),
                ("grain", 0.6, (1, 2)),
                ("general", 0.8, (2, 8)),
                ("general-s", 0.5, (2, 8)),
            ),
            (("ore", 2), ("bulk", 3), ("grain", 2), ("general", 2)),
            1.2,
        ),
        Archetype(
            "multi",
            "general cargo, steel, grain and ro-ro",
            (11.0, 15.0),
            (
                ("general", 0.9, (2, 10)),
                ("general-m", 0.8, (2, 8)),
                ("grain", 0.4, (1, 2)),
                ("roro", 0.4, (1, 3)),
                ("ct-feeder", 0.3, (1, 2)),
                ("oil", 0.3, (1, 3)),
                ("general-s", 0.8, (4, 12)),
            ),
            (("general", 4), ("grain", 1), ("roro", 1.5), ("ct", 1.5), ("bulk", 1)),
            1.0,
        ),
        Archetype(
            "old",
            "old river-mouth port: small general and ro-ro berths",
            (5.0, 9.0),
            (
                ("general-s", 1.0, (8, 30)),
                ("general-m", 0.6, (1, 5)),
                ("roro-s", 0.5, (2, 6)),
            ),
            (("general-m", 2), ("roro", 1)),
            0.4,
        ),
    )
}
ARCHETYPE_MIX: tuple[tuple[str, float], ...] = (
    ("container", 0.35),
    ("energy", 1.0),
    ("bulk", 1.2),
    ("multi", 1.4),
    ("old", 0.5),
)
"""Weights of the archetypes of a port's second and later areas (the first one is its main area:
container terminals at the hubs, multipurpose elsewhere, as in Liaoning where two of six ports
handle 80 % of the TEU)."""
HUB_SCALE = 0.9
"""Ports at least this large (the largest is 1.5) have a container main area."""

PROJECT_COUNTS: dict[str, tuple[int, int]] = {
    "ct-large": (1, 3),
    "ct": (1, 3),
    "ore": (1, 1),
    "bulk": (1, 5),
    "crude": (1, 1),
    "oil": (2, 4),
    "lng": (1, 1),
    "grain": (1, 2),
    "general": (2, 3),
    "general-m": (1, 3),
    "roro": (1, 1),
}
"""Berths a project of each kind adds."""

PROJECT_DURATION: dict[str, tuple[int, int]] = {
    "ct-large": (3, 3),
    "ct": (2, 3),
    "ore": (3, 3),
    "bulk": (2, 3),
    "crude": (2, 3),
    "oil": (2, 2),
    "lng": (4, 4),
    "grain": (2, 3),
    "general": (2, 2),
    "general-m": (1, 2),
    "roro": (2, 2),
    "deepening": (1, 2),
    "breakwater": (2, 3),
}
"""Construction years by project kind (Liaoning: 1-4 years, LNG 4, big berths 3)."""

PROJECT_LABEL: dict[str, str] = {
    "ct-large": "large container berths",
    "ct": "container berths",
    "ore": "ore berth",
    "bulk": "bulk and coal berths",
    "crude": "crude oil terminal",
    "oil": "oil product and chemical berths",
    "lng": "LNG terminal",
    "grain": "grain terminal",
    "general": "multipurpose berths",
    "general-m": "general cargo berths",
    "roro": "ro-ro berth",
    "deepening": "basin and channel deepening",
    "breakwater": "breakwater",
}

OPEX_SHARE = (0.01, 0.02)
"""Opex per year in service as a share of capex (Liaoning: ~1.5 %)."""
DEEPENING_COST = (800.0, 2500.0)
BREAKWATER_COST = (1000.0, 2000.0)


@dataclass(frozen=True)
class Trade:
    """A liner trade: volume per weekly service, growth, depth, costs."""

    key: str
    label: str
    teu: tuple[float, float]
    growth: tuple[float, float]
    min_depth: tuple[float, float]
    opening_cost: tuple[float, float]
    annual_cost: tuple[float, float]
    destinations: tuple[str, ...]


# Liaoning: near-sea 20-80k TEU per weekly service, domestic 100-130k (Yingkou), deep-sea
# 50-150k with 15-17 m; opening 2-10, annual 1-5 CNY million.
TRADES: dict[str, Trade] = {
    t.key: t
    for t in (
        Trade(
            "near-sea",
            "near-sea",
            (20e3, 80e3),
            (0.04, 0.06),
            (11.0, 13.5),
            (2.0, 4.0),
            (1.0, 2.0),
            (
                "Japan",
                "Korea",
                "Vietnam",
                "Thailand",
                "Philippines",
                "Russian Far East",
                "Singapore/Malaysia",
                "Indonesia",
                "Bangladesh",
                "Taiwan",
            ),
        ),
        Trade(
            "domestic",
            "domestic",
            (100e3, 130e3),
            (0.03, 0.035),
            (10.5, 12.5),
            (2.0, 2.0),
            (1.0, 1.5),
            (
                "Shanghai",
                "Guangzhou",
                "Xiamen",
                "Quanzhou",
                "Zhuhai",
                "Qinzhou",
                "Taicang",
                "Ningbo",
                "Fuzhou",
                "Shantou",
            ),
        ),
        Trade(
            "deep-sea",
            "deep-sea",
            (50e3, 150e3),
            (0.03, 0.05),
            (15.0, 17.0),
            (6.0, 10.0),
            (3.0, 5.0),
            (
                "North Europe",
                "Mediterranean",
                "US West Coast",
                "US East Coast",
                "South America west coast",
                "Middle East Gulf",
                "India",
                "Australia",
                "West Africa",
                "Red Sea",
            ),
        ),
    )
}
TRADE_MIX: tuple[tuple[str, float], ...] = (
    ("near-sea", 0.45),
    ("domestic", 0.35),
    ("deep-sea", 0.2),
)
EXISTING_SHARE: dict[str, float] = {"near-sea": 0.45, "domestic": 0.35, "deep-sea": 0.2}
"""Share of an area's existing TEU by trade (Dalian 2023: 2.5 / 1.2 / 1.1 M TEU)."""

SYLLABLES_A = (
    "Bai", "Bei", "Chang", "Da", "Dong", "Fu", "Gao", "Hai", "He", "Hu", "Jin", "Lian", "Long",
    "Nan", "Ning", "Pan", "Qing", "Rong", "Shi", "Tai", "Wan", "Xi", "Xin", "Yang", "Ying", "Yu",
    "Zhen", "Sui", "Lu", "Mei", "Ping", "Tian",
)  # fmt: skip
SYLLABLES_B = (
    "kou", "dao", "wan", "gang", "zhou", "men", "tan", "shan", "ling", "yuan", "hai", "jiang",
    "tou", "sha", "cheng", "pu",
)  # fmt: skip
AREA_NAMES = (
    "East", "West", "North", "South", "Central", "Outer", "Inner", "New", "Old", "Island",
    "Bay", "Point", "Cape", "Harbour", "Lagoon", "Estuary", "Ridge", "Creek", "Reef", "Head",
)  # fmt: skip
