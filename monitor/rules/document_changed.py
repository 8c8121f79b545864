"""document_changed: a disclosure's bytes changed after budgetwatch first saw it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from monitor.context import RuleContext, Subject, candidate
from monitor.wording import kind_word, subject
from storage.models import DisclosureRow, Document, DocumentVersion, FigureRow
from storage.monitoring import AlertCandidate


class DocumentChangedRule:
    """Budget documents with more than one version; figures that changed make it a warning."""

    name = "document_changed"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """One alert per changed document that holds a current disclosure."""
        v = DocumentVersion
        changed = select(v.document_id).group_by(v.document_id).having(func.count() > 1)
        if not ctx.scope.full and ctx.scope.since is not None:
            recent = select(v.document_id).where(v.fetched_at >= ctx.scope.since)
            changed = changed.where(v.document_id.in_(recent))
        query = (
            select(Document, DisclosureRow)
            .join(v, (v.document_id == Document.id) & (v.sha256 == Document.sha256))
            .join(DisclosureRow, DisclosureRow.document_version_id == v.id)
            .where(Document.id.in_(changed))
            .order_by(Document.id)
        )
        for document, disclosure in ctx.session.execute(query).all():
            yield self.alert(ctx, document, disclosure)

    @staticmethod
    def differences(
        ctx: RuleContext, document: Document, disclosure: DisclosureRow
    ) -> dict[str, Any]:
        """Chosen figures that differ from the previous extracted version: metric -> [old, new]."""
        earlier = (
            select(DisclosureRow.id)
            .join(DocumentVersion, DocumentVersion.id == DisclosureRow.document_version_id)
            .where(DocumentVersion.document_id == document.id, DisclosureRow.id != disclosure.id)
            .order_by(DocumentVersion.fetched_at.desc(), DocumentVersion.id.desc())
            .limit(1)
        )
        previous_id = ctx.session.scalar(earlier)
        if previous_id is None:
            return {}
        chosen = select(FigureRow.disclosure_id, FigureRow.metric, FigureRow.value).where(
            FigureRow.disclosure_id.in_([previous_id, disclosure.id]), FigureRow.chosen
        )
        values: dict[str, dict[int, Any]] = {}
        for disclosure_id, metric, value in ctx.session.execute(chosen):
            values.setdefault(metric, {})[disclosure_id] = value
        return {
            metric: [
                str(v.get(previous_id)) if v.get(previous_id) is not None else None,
                str(v.get(disclosure.id)) if v.get(disclosure.id) is not None else None,
            ]
            for metric, v in sorted(values.items())
            if v.get(previous_id) != v.get(disclosure.id)
        }

    def alert(
        self, ctx: RuleContext, document: Document, disclosure: DisclosureRow
    ) -> AlertCandidate:
        """The alert for one changed document."""
        s = Subject(disclosure.region, disclosure.department, disclosure.year, disclosure.kind)
        versions = sorted(document.versions, key=lambda version: (version.fetched_at, version.id))
        changes = self.differences(ctx, document, disclosure)
        what = f"其中{len(changes)}项数字发生变化" if changes else "已提取的数字未见变化"
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}公开文件在首次发现后"
            f"被修改（共{len(versions)}个版本，最近一次发现于{versions[-1].fetched_at:%Y-%m-%d}），"
            f"{what}，请核对修改内容。"
        )
        figures = {"versions": [version.sha256 for version in versions], "changed_figures": changes}
        evidence = [
            {"source": document.source, "sha256": v.sha256, "fetched_at": v.fetched_at.isoformat()}
            for v in versions
        ]
        severity = "warning" if changes else "info"
        return candidate(self.name, severity, s, None, message, figures, evidence)
