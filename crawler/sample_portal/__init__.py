"""A sample of real-looking county government portals served over HTTP for the crawler's tests.

``SamplePortal`` serves 云溪县 (Hanweb JCMS), 宁川县 (TRS WCM, GBK), 南岭县 (Guangdong gkmlpt),
桐溪县 (a generic 信息公开 site with ?page=N) and two counties behind anti-bot challenges, all
generated deterministically from the data model in ``data``; ``manifest()`` tells what a correct
crawl finds.
"""

from crawler.sample_portal.model import (
    Anomaly,
    Attachment,
    County,
    Disclosure,
    Manifest,
    NastyCase,
    NewsItem,
    RequestRecord,
)
from crawler.sample_portal.portal import SamplePortal, manifest_for

__all__ = [
    "Anomaly",
    "Attachment",
    "County",
    "Disclosure",
    "Manifest",
    "NastyCase",
    "NewsItem",
    "RequestRecord",
    "SamplePortal",
    "manifest_for",
]
