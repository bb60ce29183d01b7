"""Geometry and spatial domain objects for Baotong."""
