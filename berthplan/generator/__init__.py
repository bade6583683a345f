"""The parts of the synthetic instance generator; the entry points are in :mod:`berthplan.generator.generate`.

``sizes`` (presets and knobs), ``calibration`` (the Liaoning numbers), ``draft`` (the records
under construction and the random draws), ``network`` (ports, areas, berths, existing routes),
``catalog`` (projects), ``routes`` (candidate routes), ``schedule`` (demand, the reference
schedule, targets and budgets) and ``emit`` (YAML and JSON text).
"""
