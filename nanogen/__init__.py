"""nanogen: decompose capability lists and OpenAPI monoliths into nanoservices.

The pipeline runs one way, one module per stage:

    load -> validate -> decompose -> emit -> render -> write

`nanogen.cli` is a thin click layer over `nanogen.pipeline`, which tests and
plugins can call directly.
"""

__version__ = "0.1.0"
