"""The project's one generic spider lives in articles.py."""
