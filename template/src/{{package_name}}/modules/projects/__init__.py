"""Projects: the example module. Copy its shape when you add your own."""
