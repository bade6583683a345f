"""Model units: volumes are scaled so the matrix stays well conditioned (docs/formulation.md)."""

TEU = 1e-3  # model unit of TEU volumes: thousand TEU
TON = 1e-6  # model unit of tonnes: million tonnes
WAIT = 1e-3  # model unit of ship waiting: thousand ship-hours
METRIC_SCALE = {"cargo_tons": TON, "container_teu": TEU, "berths_10k": 1.0, "new_routes": 1.0}
