"""Static catalogue of the demo workspace: teams, node types, SKUs and prices, time zones, table columns.

Everything here is a constant; the random choices made from it live in ``jobs.py`` and ``runs.py``.
"""

from __future__ import annotations

ACCOUNT_ID = "a1b2c3d4-0000-4000-8000-00000000d3m0"
METASTORE_ID = "7f3e2d1c-5b4a-4c3d-9e8f-0a1b2c3d4e5f"
WORKSPACES = ("1234567890123456", "6543210987654321")
CLOUD = "AWS"

# Teams. The one with quotes exists to prove every view escapes names (it must show verbatim).
TEAMS = ("data-platform", "finance", "marketing", "ml-research", 'O\'Brien "ops"', "growth", "risk")
# Jobs attributable only by name prefix carry one of these prefixes and no team tag anywhere.
NAME_PREFIX_RULES = {"fin_": "finance", "mkt_": "marketing", "ml_": "ml-research", "risk_": "risk"}
# The exact name of the job that proves names are escaped in HTML.
XSS_JOB_NAME = "<img src=x onerror=alert(1)>"

TIMEZONES = (
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
)

# node_type -> (cores, memory_mb, DBU per hour). DBU rates follow the order of magnitude of AWS jobs compute.
NODE_TYPES = {
    "m5.xlarge": (4.0, 16384, 0.69),
    "m5.2xlarge": (8.0, 32768, 1.37),
    "i3.xlarge": (4.0, 31232, 1.0),
    "i3.2xlarge": (8.0, 62464, 2.0),
    "i3.4xlarge": (16.0, 124928, 4.0),
    "i3.8xlarge": (32.0, 249856, 8.0),
    "r5.xlarge": (4.0, 32768, 0.9),
    "r5.2xlarge": (8.0, 65536, 1.8),
    "c5.2xlarge": (8.0, 16384, 1.24),
    "g4dn.xlarge": (4.0, 16384, 1.1),
    # in node_types for rightsizing (a bigger or smaller size of a family, Azure's common types); no demo
    # job is created on them
    "m5.4xlarge": (16.0, 65536, 2.74),
    "r5.4xlarge": (16.0, 131072, 3.6),
    "c5.4xlarge": (16.0, 32768, 2.48),
    "Standard_DS3_v2": (4.0, 14336, 0.75),
    "Standard_DS4_v2": (8.0, 28672, 1.5),
    "Standard_DS5_v2": (16.0, 57344, 3.0),
    "Standard_E8s_v3": (8.0, 65536, 2.0),
    "Standard_F8s_v2": (8.0, 16384, 1.0),
}
CLEAN_NODE_TYPES = (
    "m5.xlarge",
    "m5.2xlarge",
    "i3.xlarge",
    "i3.2xlarge",
    "r5.xlarge",
    "r5.2xlarge",
    "c5.2xlarge",
)
GPU_NODE_TYPES = {"g4dn.xlarge": 1}
# Photon clusters burn DBUs faster (list price per DBU is the same SKU family price here).
PHOTON_DBU_FACTOR = 2.0

SKU_JOBS = "PREMIUM_JOBS_COMPUTE"
SKU_JOBS_PHOTON = "PREMIUM_JOBS_COMPUTE_(PHOTON)"
SKU_SERVERLESS = "PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA"
SKU_ALL_PURPOSE = "PREMIUM_ALL_PURPOSE_COMPUTE"
# USD per DBU (list). SKU_JOBS changes price inside the window (see PRICE_CHANGE_*).
LIST_PRICES = {SKU_JOBS: 0.15, SKU_JOBS_PHOTON: 0.15, SKU_SERVERLESS: 0.35, SKU_ALL_PURPOSE: 0.55}
PRICE_CHANGE_SKU = SKU_JOBS
PRICE_CHANGE_NEW = 0.20
# The price change happens this fraction of the window before its end (so both prices are in the window).
PRICE_CHANGE_AT = 0.45

SPARK_VERSIONS = ("14.3.x-scala2.12", "15.4.x-scala2.12", "16.4.x-scala2.12")
# An old runtime (out of standard support) on every OLD_DBR_EVERY-th job: the "old DBR" question.
OLD_SPARK_VERSION = "12.2.x-scala2.12"
OLD_DBR_EVERY = 13

DOMAINS = (
    "orders",
    "revenue",
    "customers",
    "events",
    "sessions",
    "inventory",
    "payments",
    "campaigns",
    "features",
    "churn",
    "ledger",
    "shipments",
    "clicks",
    "forecast",
    "fraud",
    "accounts",
)
VERBS = (
    "ingest",
    "rollup",
    "refresh",
    "export",
    "score",
    "dedupe",
    "snapshot",
    "aggregate",
    "sync",
    "backfill",
)
TASK_KEYS = ("extract", "validate", "transform", "enrich", "load", "publish", "optimize", "notify")
USERS = (
    "ana.silva@example.com",
    "bob.kim@example.com",
    "chloe.martin@example.com",
    "dev.patel@example.com",
    "emma.obrien@example.com",
    "sp-etl-prod",
)

# Column templates for tables (name, type, nullable). Each table gets a prefix of one template.
COLUMN_TEMPLATES = (
    (
        ("id", "bigint", False),
        ("event_time", "timestamp", False),
        ("customer_id", "bigint", True),
        ("amount", "decimal(18,2)", True),
        ("currency", "string", True),
        ("country", "string", True),
        ("channel", "string", True),
        ("updated_at", "timestamp", True),
    ),
    (
        ("key", "string", False),
        ("day", "date", False),
        ("value", "double", True),
        ("count", "bigint", True),
        ("source", "string", True),
        ("ingested_at", "timestamp", True),
    ),
    (
        ("user_id", "bigint", False),
        ("session_id", "string", False),
        ("started_at", "timestamp", True),
        ("duration_s", "int", True),
        ("device", "string", True),
        ("score", "double", True),
        ("label", "string", True),
    ),
)
