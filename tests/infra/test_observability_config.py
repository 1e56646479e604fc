"""The Prometheus config and the Grafana dashboard name only metrics the code exports."""

import json
import re

import yaml

from local.runner import ROOT

OBS = ROOT / "observability"


def exported_metrics() -> set[str]:
    from gpu_service.metrics import ServiceMetrics
    from mediacore.metrics import REGISTRY

    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    names = set()
    for registry in (REGISTRY, ServiceMetrics().registry):
        for family in registry.collect():
            names |= {family.name + suffix for suffix in suffixes.get(family.type, [""])}
    return names


def dashboard_metrics(dashboard: dict) -> set[str]:
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    return {m for e in exprs for m in re.findall(r"\b((?:ma|gpu)_[a-z_]+)\b", e)}


def test_dashboard_queries_exported_metrics():
    dashboard = json.loads((OBS / "grafana" / "media-analyzer.json").read_text())
    used = dashboard_metrics(dashboard)
    assert used and used <= exported_metrics(), used - exported_metrics()
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_the_check_notices_an_unknown_metric():
    dashboard = {"panels": [{"targets": [{"expr": "rate(ma_segmnts_total[1m])"}]}]}
    assert not dashboard_metrics(dashboard) <= exported_metrics()


def test_prometheus_scrapes_every_service():
    config = yaml.safe_load((OBS / "prometheus.yml").read_text())
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert {"ingest", "analyze", "gpu_service", "kubernetes-pods"} <= jobs
