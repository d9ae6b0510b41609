"""Small widgets and helpers the main window and the record form are built from."""
