"""Exports of a themes result: tidy tables (CSV, Markdown, JSON), the offline HTML report and
REFI-QDA (.qdpx project, .qdc codebook) for NVivo, ATLAS.ti, MAXQDA and QualCoder."""
