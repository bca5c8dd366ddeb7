-- The decisions that stand, defined once: a decision or a superseding decision that no later
-- entry superseded or revoked. An item whose only decision was revoked has none.
CREATE VIEW current_decisions AS
SELECT d.*
  FROM decision_log d
 WHERE d.kind IN ('decision', 'supersede')
   AND NOT EXISTS (SELECT 1 FROM decision_log c WHERE c.target_seq = d.seq);
