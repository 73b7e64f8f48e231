-- SPDX-License-Identifier: MIT
-- An outcome measure's school months are read from the outcomes themselves
-- (server/store/analysis/store_months.c) instead of being kept as rollups.
-- A school month of an outcome is, in the common case, one outcome row:
-- its rollup row copied the row into a second index. Upserting those rows
-- (600,000 for 10,000 schools x 60 months, 78% of an outcome load's
-- 765,075 rollup rows) cost more than storing the outcomes (scripts/bench,
-- P1b limit: the rollup upsert alone ran at 0.17x a keyed COPY of the
-- outcomes). Read in the outcomes' key order, they are no slower to read
-- than the rollups were.
-- The rollups keep outcomes' school terms and years (positive deviance,
-- compare and the funnel read those at every school) and district and
-- network rows of every grain; survey constructs keep all their rollups.
-- The school months the rollups held for outcome measures (survey
-- constructs' keys start with "survey:") go.
DELETE FROM rollups
WHERE level = 's' AND grain = 'm' AND measure NOT LIKE 'survey:%';
