"""Procedures and forms as data: schema, loader and checker, machines, guard/effect registries."""
