"""``python -m netinv`` runs the command line."""

from .cli import main

main()
