"""The covid-portal web server: a FastAPI app built by ``server.app.create_app``, one router per concern.

``server.sparql`` is the SPARQL 1.1 endpoint; queries run in worker processes (``server.workers``)
that enforce time and size limits; ``server.run.serve`` runs the app under uvicorn.
"""
