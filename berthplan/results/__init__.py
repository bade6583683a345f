"""Plans: the decisions, their recomputed outcome and the tables of the results contract.

What it owns: :class:`~berthplan.results.plan.Plan` (in memory, from a solve or read back from
a plan folder with :func:`~berthplan.results.folder.read_plan`), the outcome recomputation,
and atomic output. It may import the data model only (never a solver or the formulation).
"""
