"""crawler: the Scrapy project that collects disclosures from county portals (issue #4)."""
