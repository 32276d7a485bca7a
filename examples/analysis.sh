#!/usr/bin/env bash
# The analysis script a researcher would keep in an analysis repository, run by `make demo`.
# It runs the whole feedcare pipeline on the fictional example interviews in this folder and
# writes everything to examples/out/ (settings: feedcare.toml here).
set -euo pipefail
cd "$(dirname "$0")"

OUT=out
CORPUS="$OUT/corpus"
mkdir -p "$OUT"

# 1. Transcripts (txt, md, docx, vtt) → corpus. Exit 3 would mean a file was skipped.
feedcare ingest transcripts --corpus "$CORPUS"
feedcare corpus info --corpus "$CORPUS"

# 2. Stop here if any phone number, e-mail, NHS number... slipped through anonymisation.
feedcare audit --corpus "$CORPUS"

# 3. Analysis units and tokens (participant turns only), then an LDA sweep over k and seeds.
feedcare tokens --corpus "$CORPUS"
feedcare topics --corpus "$CORPUS" --run-id example

# 4. Exports for the write-up: an offline HTML report, a REFI-QDA project for NVivo/ATLAS.ti/
#    MAXQDA/QualCoder, tidy CSV for R or pandas, and prevalence by age band.
feedcare themes example --corpus "$CORPUS" --labels themes.toml --out "$OUT/report.html"
feedcare themes example --corpus "$CORPUS" --labels themes.toml --out "$OUT/project.qdpx"
feedcare themes example --corpus "$CORPUS" --labels themes.toml --format csv --out "$OUT/themes.csv"
feedcare themes example --corpus "$CORPUS" --labels themes.toml --by age_band --format csv \
    --out "$OUT/themes-by-age.csv"

# 5. The theme table: each theme with its terms, prevalence, spread and the participants' words.
feedcare themes example --corpus "$CORPUS" --labels themes.toml

# 6. For the paper: the methods statement (every setting, versions, fingerprints, references) and
#    an archive to deposit with it (no text of any transcript; `feedcare reproduce` checks it).
feedcare methods example --corpus "$CORPUS" --out "$OUT/methods.md"
feedcare archive example --corpus "$CORPUS" --labels themes.toml --out "$OUT/archive.zip"
