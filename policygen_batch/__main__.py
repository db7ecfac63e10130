"""``python -m policygen_batch`` runs the ``policygen`` command."""

from policygen_batch.cli.app import main

if __name__ == "__main__":
    main()
