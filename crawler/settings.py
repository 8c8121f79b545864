"""Scrapy settings of the budgetwatch crawler: politeness and robustness from Scrapy's own parts.

These are the project defaults; ``crawler.run`` layers the ``crawl:`` section
of the budgetwatch configuration (user agent, concurrency, AutoThrottle,
size cap) and the run's database and store on top.
"""

BOT_NAME = "budgetwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Polite by default: robots.txt, AutoThrottle, few parallel requests per portal.
ROBOTSTXT_OBEY = True
USER_AGENT = (
    "budgetwatch/0.1 (budget disclosure monitor; +https://github.com/budgetwatch/budgetwatch)"
)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy starts this many asyncio tasks for every response's output (default 100); a page
# yields one document at most plus its links, so 100 tasks per page were pure overhead.
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 0.5

# Robustness: retries on 5xx and timeouts (RetryMiddleware), a timeout, a size cap that
# also bounds decompressed bodies (HttpCompressionMiddleware), cookies for WAF redirects.
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
DOWNLOAD_WARNSIZE = 32 * 1024 * 1024
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port on the crawl machine
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # process_response runs from high numbers to low: decompression (590) first, then the
    # charset repair, then challenge detection; RetryMiddleware (550) sees what is left.
    "crawler.middlewares.ConditionalRequestMiddleware": 560,
    "crawler.middlewares.AntiBotMiddleware": 570,
    "crawler.middlewares.CharsetMiddleware": 585,
    # Scrapy's decompression at its own place, minus a wasted charset guess (see there).
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.CompressionMiddleware": 590,
}
ITEM_PIPELINES = {
    "crawler.pipelines.DocumentPipeline": 300,
}
EXTENSIONS = {
    "crawler.progress.ProgressReporter": 500,
}
