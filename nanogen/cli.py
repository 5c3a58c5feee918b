"""The `nanogen` command: parses options, calls `nanogen.pipeline`, prints."""

from __future__ import annotations

import click

from nanogen import __version__


@click.group()
@click.version_option(__version__, prog_name="nanogen")
def main() -> None:
    """Generate nanoservices from capability lists and OpenAPI documents."""
