"""Run the command line as `python -m nanogen`."""

from nanogen.cli import main

main()
