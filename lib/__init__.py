"""Small helpers with no models, used by every app; imports nothing of the project."""
