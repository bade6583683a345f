"""Studies over plans and instances: compare plans, sweep scenarios, trace a cost frontier.

It may import the data model, the results layer and the optimization layer; rendering lives
in :mod:`berthplan.viz`.
"""
