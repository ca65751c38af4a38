"""netinv: investigate drug-trafficking networks from call records, money transfers and case files."""

__version__ = "0.1.0"
