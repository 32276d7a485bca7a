"""`feedcare methods`, `feedcare reproduce` and `feedcare archive` (a sub-package: cli/ is full)."""
