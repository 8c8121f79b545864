"""Spiders of the crawler project; ``disclosures`` is the generic one."""
