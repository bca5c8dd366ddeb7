-- New complaints enter the full-text index once per inserted batch instead of one at a time
-- through a trigger: the store adds every complaint of a batch to the index in one statement,
-- in the same transaction that stores them. Indexing row by row from a trigger cost about a
-- fifth of an import's time. The store is the only writer of complaints; the full check
-- compares the index with the table, so a complaint missing from the index is reported.
--
-- Deleting and editing complaints still keep the index in step by trigger.

DROP TRIGGER complaints_fts_insert;
