"""Web pages of service transformation, one module per part: the projects (list, page, plan, group, phases,
closing, evaluation files), a phase's measurements, the indicator library, the review cycles, the oversight
register with its candidates, and the shared components. Every row shown passes through
transformation/scoping.py; every change goes through transformation/workflow.py, prefill.py, reviews.py or
oversight.py, or a form whose choices scoping.py gives."""
