"""Validation of rendered objects: schemas, CRD schemas and rules."""
