-- Several nodes on one database: each rule event belongs to the node that accepted its message (owner), which alone
-- delivers it while it renews its lease. A node whose lease lapsed loses its events, all at once, to one survivor;
-- a claim deletes the lapsed node's row in the same transaction, so a missing row tells a node it lost its events.
-- NULL owner: stored before this migration; the first node to claim takes them.
ALTER TABLE switchboard_rule_events ADD COLUMN owner TEXT;
CREATE INDEX switchboard_rule_events_owner ON switchboard_rule_events (owner);

CREATE TABLE switchboard_rule_nodes (
    node_id     TEXT   PRIMARY KEY,
    lease_until BIGINT NOT NULL   -- epoch millis of the database's clock, so nodes' clocks need not agree
);

-- One id counter for every node, so ids stay unique and follow commit order across the cluster.
CREATE SEQUENCE switchboard_rule_event_ids;
SELECT setval('switchboard_rule_event_ids', greatest(coalesce((SELECT max(id) FROM switchboard_rule_events), 0),
                                                     coalesce((SELECT max(id) FROM switchboard_dead_letters), 0)) + 1, false);
