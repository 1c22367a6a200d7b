"""The product's brain: pure Python, plain data in and out, never imports Django.

The web app, the API, the background tasks and the CLI all call these functions, so a
rule lives in exactly one place.
"""
