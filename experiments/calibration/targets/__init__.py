"""Packaged calibration targets (YAML files, usable by name: calibrate.targets=NAME)."""
