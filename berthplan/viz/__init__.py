"""Views of plans: matplotlib figures and the self-contained HTML report.

Every view reads a :class:`~berthplan.results.plan.Plan` (in memory or read from a folder)
and, for comparisons, an :class:`~berthplan.analysis.compare.Comparison`.
"""
