"""The `aurum` command line."""
