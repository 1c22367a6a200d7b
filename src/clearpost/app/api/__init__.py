"""The typed JSON API at /api/ (OpenAPI at /api/docs).

It is another front door to the same actions the web pages call: tenancy, roles,
auditing and transactions live in the apps' `actions.py`, never here.
"""
