"""Aurum engine."""
