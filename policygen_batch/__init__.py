"""policygen-batch: least-privilege IAM policies for every principal of an organization.

The library surface is :mod:`policygen_batch.api`; the ``policygen`` command is a thin layer
over it (:mod:`policygen_batch.cli`).
"""

__version__ = "0.1.0"
