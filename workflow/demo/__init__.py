"""Demo data for trying the engine: real places, fictional people, cases in every state.

``flask --app wsgi demo seed`` calls :func:`workflow.demo.seed.seed`.
"""
