"""Poverty-alleviation projects: the project library (项目库) and the assets they leave."""
