"""WSGI entry point: ``flask --app wsgi run`` or any WSGI server."""
from workflow import create_app

app = create_app()
