"""The pure core: course rules, learner progress and counters.

Nothing here imports a framework, a driver or a clock, so the live services and an
auditor's replay run exactly the same functions over the same events.
"""
