"""The data model: records, the validated :class:`Instance`, loading, scenarios, index sets.

What it owns: the instance file format (YAML/JSON) and its JSON Schema, field and
cross-record validation, scenarios and ``--set`` overrides, the summary of ``validate``, and
the instance's index sets and arrays (:mod:`~berthplan.model.sets`) that the formulation and
the results layer both read. It imports nothing of berthplan but :mod:`berthplan.errors` and
:mod:`berthplan.capacity` (and never a solver).
"""
