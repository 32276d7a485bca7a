"""``feedcare ingest --audit``: keep documents with residual identifiers out of the corpus.

Each document read in this run is scanned with the same detectors as ``feedcare audit``. A
transcript with findings is skipped like any unreadable input (exit code 3) unless
``allow_findings`` is set; rows of a comment table with findings are left out and counted in
one note per table. Findings are counted by kind in the report, never shown unmasked.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.audit.identifiers import load_names, scan_text
from feedcare.corpus.audit.scan import audit_document
from feedcare.corpus.base.errors import InputError
from feedcare.corpus.ingest.config import IngestConfig
from feedcare.corpus.ingest.report import IngestReport, display_path
from feedcare.corpus.readers import ParsedText


class IngestAuditor:
    def __init__(self, config: IngestConfig, report: IngestReport) -> None:
        self.names = tuple(load_names(Path(config.audit_names))) if config.audit_names else ()
        self.allow = config.allow_findings
        self.report = report

    def _count(self, kinds: Counter) -> str:
        for kind, n in kinds.items():
            self.report.audit_findings[kind] = self.report.audit_findings.get(kind, 0) + n
        return ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))

    def check_document(self, doc_id: str, parsed: ParsedText, path: Path) -> None:
        """Raise InputError (the file is skipped) when the document has findings."""
        findings = audit_document(doc_id, parsed.text, parsed.turns, self.names)
        if not findings:
            return
        summary = self._count(Counter(f.kind for f in findings))
        if not self.allow:
            raise InputError(
                f"{len(findings)} possible identifier(s) ({summary}); run "
                f"`feedcare audit {display_path(path)}` to see them, or pass --allow-findings"
            )

    def check_table(self, documents: pa.Table, path: Path) -> tuple[pa.Table, str | None]:
        """The rows without findings (all rows with allow_findings), and a note when rows went."""
        texts = documents["text"].to_pylist()
        kinds: Counter = Counter()
        flagged = []
        for text in texts:
            found = scan_text(text or "", self.names)
            kinds.update(f.kind for f in found)
            flagged.append(bool(found))
        if not kinds:
            return documents, None
        summary = self._count(kinds)
        if self.allow:
            return documents, None
        n = sum(flagged)
        kept = documents.filter(pc.invert(pa.array(flagged)))
        return kept, (
            f"{n} row(s) with possible identifiers ({summary}) not added; run "
            f"`feedcare audit {display_path(path)}` to see them, or pass --allow-findings"
        )
