"""The HTTP bridge for the trading side (`aurum serve-api`): an MT5 expert advisor's bridge or any
signal server that is not written in Python asks for signals and reports trades over HTTP.

`tokens` (API tokens, stored hashed) and `bridge` (what each endpoint does) need only the engine;
`app` and `server` need the `api` extra (FastAPI, uvicorn) and are imported only when used.
"""
