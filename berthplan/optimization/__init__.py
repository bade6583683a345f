"""From a validated instance to a plan: the sparse model, the formulation, the solve.

What it owns: the solver-neutral model builder (:mod:`~berthplan.optimization.sparse`), the
MILP families of ``docs/formulation.md`` (:mod:`~berthplan.optimization.formulation`), the
infeasibility diagnosis, :func:`~berthplan.optimization.solve.solve`, solver profiles and
model export. It may import the data model, the results layer and the backends.
"""
