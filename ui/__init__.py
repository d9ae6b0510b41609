"""The desktop program (PySide6). Holds no business rules: it calls the core in `app/` and shows results."""
