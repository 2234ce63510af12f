"""Background services: leader lease, learning worker, evaluation, cleanup and reports."""
